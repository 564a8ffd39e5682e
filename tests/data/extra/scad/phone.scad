// Held-out shape: phone (tests/data/extra/make.py --scad)
rotate([90,0,0]) linear_extrude(60,center=true) polygon([[0,0],[70,0],[70,4],[20,4],[40,60],[36,62],[14,6],[0,6]]);
