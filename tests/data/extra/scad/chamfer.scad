// Held-out shape: chamfer (tests/data/extra/make.py --scad)
hull(){translate([3,3,0]) cube([34,24,20]); translate([0,0,3]) cube([40,30,14]);}
