// a flat 5 mm open-end wrench, 120 mm long: a 13 mm hexagonal jaw opening at one end, a ring of a 10 mm hex at the other
$fn = 48;
difference() {
  union() {
    hull() { translate([0, 0, 0]) cylinder(d = 12, h = 5); translate([100, 0, 0]) cylinder(d = 12, h = 5); }
    cylinder(d = 28, h = 5);
    translate([100, 0, 0]) cylinder(d = 20, h = 5);
  }
  translate([0, 0, -1]) rotate(30) cylinder(d = 13 / cos(30), h = 7, $fn = 6);
  translate([-20, -6.5, -1]) cube([20, 13, 7]);
  translate([100, 0, -1]) cylinder(d = 10 / cos(30), h = 7, $fn = 6);
}
