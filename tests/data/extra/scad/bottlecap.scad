// a bottle cap: 32 mm across, 14 mm tall, 1.8 mm wall and top, 40 grip ribs outside
$fn = 96;
difference() {
  union() {
    cylinder(r = 16, h = 14);
    for (i = [0:39]) rotate(i * 9) translate([16, -0.5, 0]) cube([0.8, 1, 14]);
  }
  translate([0, 0, -1]) cylinder(r = 16 - 1.8, h = 14 + 1 - 1.8);
}
