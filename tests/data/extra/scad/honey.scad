// Held-out shape: honey (tests/data/extra/make.py --scad)
difference(){cube([60,50,8]); for(i=[0:6]) for(j=[0:5]) translate([6+i*8+(j%2)*4, 6+j*7,-1]) cylinder(r=3.6,h=10,$fn=6);}
