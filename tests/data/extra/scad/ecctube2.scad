// an eccentric tube of 1.0 to 3.4 mm walls, 40 mm across, 20 mm tall
$fn = 160;
difference() { cylinder(r = 20, h = 20); translate([1.2, 0, -1]) cylinder(r = 17.8, h = 22); }
