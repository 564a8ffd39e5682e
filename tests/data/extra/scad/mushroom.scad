// Held-out shape: mushroom (tests/data/extra/make.py --scad)
$fn=64; cylinder(r=5,h=20); translate([0,0,20]) cylinder(r=15,h=3);
