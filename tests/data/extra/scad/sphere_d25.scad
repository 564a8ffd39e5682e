// Variant of a shared model (tests/data/extra/make.py --scad)
$fn = 96; translate([0, 0, 12.5]) sphere(d = 25);
