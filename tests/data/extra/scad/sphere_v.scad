// Variant of shared sphere.scad: diameter 25
$fn = 96;
translate([0, 0, 12.5]) sphere(d = 25);
