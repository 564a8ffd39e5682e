// Held-out shape: hhole (tests/data/extra/make.py --scad)
difference(){cube([40,20,20]); translate([-1,10,10]) rotate([0,90,0]) cylinder(r=6,h=42,$fn=64);}
