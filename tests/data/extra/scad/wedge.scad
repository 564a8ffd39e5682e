// Held-out shape: wedge (tests/data/extra/make.py --scad)
rotate([90,0,0]) linear_extrude(20) polygon([[0,0],[40,0],[0,20]]);
