// a herringbone gear: 24 teeth of module 2, 16 mm wide, the teeth twisted 20 degrees each way, a 8 mm bore
$fn = 24;
module section() {
  circle(r = 22.5);
  for (i = [0:23]) rotate(i * 15) translate([23.5, 0]) polygon([[-1.5, -1.8], [2.5, -0.8], [2.5, 0.8], [-1.5, 1.8]]);
}
difference() {
  union() {
    linear_extrude(height = 8, twist = 20, slices = 16) section();
    translate([0, 0, 8]) rotate(-20) linear_extrude(height = 8, twist = -20, slices = 16) section();
  }
  translate([0, 0, -1]) cylinder(d = 8, h = 20);
}
