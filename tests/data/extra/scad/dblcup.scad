// a double-walled cup: walls of 1.2 mm at 40 and 34 mm across, 2 mm apart, on a 2 mm floor, 45 mm tall
$fn = 96;
difference() { cylinder(d = 40, h = 45); translate([0, 0, 2]) cylinder(d = 37.6, h = 50); }
difference() { cylinder(d = 33.6, h = 45); translate([0, 0, 2]) cylinder(d = 31.2, h = 50); }
