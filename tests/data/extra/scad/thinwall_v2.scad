// Variant of a shared model (tests/data/extra/make.py --scad)
difference() { cube([50, 30, 25]); translate([1.2, 1.2, 1]) cube([47.6, 27.6, 30]); }
translate([10, 10, 0]) cube([0.6, 10, 20]); translate([25, 10, 0]) cube([1.6, 10, 20]);
