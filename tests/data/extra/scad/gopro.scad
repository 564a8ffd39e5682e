// an action-camera mount: a 30 x 20 x 4 base with three 3 mm fingers 15 mm tall, each with a 5 mm hole across (a bridge at each hole's top)
$fn = 48;
cube([30, 20, 4]);
for (x = [6, 13.5, 21]) translate([x, 2, 0]) difference() {
  hull() { cube([3, 16, 4]); translate([0, 8, 12]) rotate([0, 90, 0]) cylinder(d = 16, h = 3); }
  translate([-1, 8, 12]) rotate([0, 90, 0]) cylinder(d = 5, h = 5);
}
