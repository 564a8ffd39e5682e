// Held-out shape: knob (tests/data/extra/make.py --scad)
$fn=64; cylinder(r=12,h=10); translate([0,0,10]) sphere(r=12);
