// Held-out shape: voidbox (tests/data/extra/make.py --scad)
difference(){cube(30,center=true); cube(20,center=true);} 
