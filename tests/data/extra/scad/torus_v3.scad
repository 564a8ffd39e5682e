// Variant of a shared model (tests/data/extra/make.py --scad)
$fn = 96; translate([0, 0, 5]) rotate_extrude() translate([35, 0]) circle(r = 5);
