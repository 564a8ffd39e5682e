// a coat hook: a 60 x 20 mm back plate 4 mm thick with two countersunk holes, an arm rising at 45 degrees and a round tip
$fn = 40;
difference() {
  cube([20, 60, 4]);
  for (y = [12, 48]) translate([10, y, -1]) { cylinder(d = 4.5, h = 10); translate([0, 0, 3.1]) cylinder(d1 = 4.5, d2 = 9, h = 2); }
}
translate([4, 30, 4]) rotate([0, 0, 0]) hull() { translate([0, -4, 0]) cube([12, 8, 0.1]); translate([20, -4, 20]) rotate([0, 90, 0]) cylinder(d = 8, h = 1); }
translate([25, 30, 24]) sphere(d = 12);
