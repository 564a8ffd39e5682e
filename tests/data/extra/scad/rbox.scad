// Held-out shape: rbox (tests/data/extra/make.py --scad)
$fn=32; minkowski(){cube([36,26,16]); sphere(2);}
