$fn = 120; difference(){ cylinder(r = 15, h = 40); translate([0,0,-1]) cylinder(r = 13.8, h = 42); }
