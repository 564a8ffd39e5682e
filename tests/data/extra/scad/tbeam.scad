// Held-out shape: tbeam (tests/data/extra/make.py --scad)
cube([60,30,3]); translate([0,13.5,0]) cube([60,3,25]); translate([0,0,25]) cube([60,30,3]);
