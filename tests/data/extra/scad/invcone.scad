// Held-out shape: invcone (tests/data/extra/make.py --scad)
$fn=64; cylinder(r1=6,r2=22,h=30);
