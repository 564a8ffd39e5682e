// a low cone of 12-degree flanks, 90 mm across, on a 3 mm rim
$fn = 128;
cylinder(d = 90, h = 3);
translate([0, 0, 3]) cylinder(d1 = 90, d2 = 0, h = 45 * tan(12));
