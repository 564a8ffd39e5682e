// two solid 16 mm rods 80 mm long crossing at right angles, lying on the bed
$fn = 64;
translate([0, 0, 8]) { rotate([0, 90, 0]) cylinder(r = 8, h = 80, center = true); rotate([90, 0, 0]) cylinder(r = 8, h = 80, center = true); }
