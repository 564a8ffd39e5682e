// Variant of a shared model (tests/data/extra/make.py --scad)
cube([100, 120, 2]);
