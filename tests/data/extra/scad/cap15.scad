// a low cone, 80 mm across with 15-degree flanks, on a 2 mm rim
$fn = 96;
cylinder(d = 80, h = 2);
translate([0, 0, 2]) cylinder(d1 = 80, d2 = 0, h = 40 * tan(15));
