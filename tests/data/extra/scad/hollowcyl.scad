// Held-out shape: hollowcyl (tests/data/extra/make.py --scad)
difference(){cylinder(r=20,h=40,$fn=96); translate([0,0,3]) cylinder(r=17,h=34,$fn=96);}
