// Held-out shape: arch (tests/data/extra/make.py --scad)
difference(){cube([50,15,30]); translate([25,-1,0]) rotate([-90,0,0]) cylinder(r=15,h=17,$fn=96);}
