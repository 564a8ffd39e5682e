// Variant of shared torus.scad: major radius 18, minor radius 5
$fn = 96;
translate([0, 0, 5]) rotate_extrude() translate([18, 0]) circle(r = 5);
