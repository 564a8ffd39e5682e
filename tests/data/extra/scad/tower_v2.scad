// Variant of a shared model (tests/data/extra/make.py --scad)
linear_extrude(height = 120, twist = 180, slices = 240) square([30, 15], center = true);
