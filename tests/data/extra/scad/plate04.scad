// a 50 x 30 plate 0.4 mm thick with a 10 mm hole
$fn = 48;
difference() { cube([50, 30, 0.4]); translate([25, 15, -1]) cylinder(d = 10, h = 3); }
