// Held-out shape: ring (tests/data/extra/make.py --scad)
rotate_extrude($fn=96) translate([20,0]) square([4,10]);
