// Variant of a shared model (tests/data/extra/make.py --scad)
cube([35, 35, 35]);
