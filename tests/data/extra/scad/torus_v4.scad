// torus with other parameters: major radius 20, minor radius 5, lying flat
$fn = 72;
translate([0, 0, 5]) rotate_extrude() translate([20, 0]) circle(r = 5);
