// an eccentric tube: outer radius 15, inner 13.6 offset 0.8 mm, so the wall runs 0.6 to 2.2 mm round it, 25 mm tall
$fn = 120;
difference() { cylinder(r = 15, h = 25); translate([0.8, 0, -1]) cylinder(r = 13.6, h = 27); }
