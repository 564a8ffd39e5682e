// a pipe lying on its side: 20 mm outer, 2 mm walls, 60 mm long
$fn = 72;
translate([0, 0, 10]) rotate([0, 90, 0]) difference() { cylinder(d = 20, h = 60); translate([0, 0, -1]) cylinder(d = 16, h = 62); }
