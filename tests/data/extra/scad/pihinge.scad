// a print-in-place hinge: two 30 x 20 x 3 mm leaves with five interleaved knuckles of 8 mm on a 3 mm pin, 0.4 mm apart
$fn = 40;
module knuckles(first) for (k = [0:4]) if (k % 2 == first) translate([6 * k + (k ? 0.2 : 0), 0, 4]) rotate([0, 90, 0]) cylinder(d = 8, h = 5.6);
difference() { union() { translate([0, 4.4, 0]) cube([30, 20, 3]); knuckles(0); translate([0, 0, 0]) for (k = [0:2:4]) translate([6 * k, 0, 0]) cube([5.8, 4.4, 3]); }
  translate([-1, 0, 4]) rotate([0, 90, 0]) cylinder(d = 3.8, h = 32); }
translate([-0.1, 0, 4]) rotate([0, 90, 0]) cylinder(d = 3, h = 30.2);
difference() { union() { translate([0, -24.4, 0]) cube([30, 20, 3]); knuckles(1); for (k = [1:2:3]) translate([6 * k + 0.2, -4.4, 0]) cube([5.6, 4.4, 3]); }
  translate([-1, 0, 4]) rotate([0, 90, 0]) cylinder(d = 3.8, h = 32); }
