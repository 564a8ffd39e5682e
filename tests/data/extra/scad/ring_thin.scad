$fn = 180; difference(){ cylinder(r = 30, h = 3); translate([0,0,-1]) cylinder(r = 28.7, h = 5); }
