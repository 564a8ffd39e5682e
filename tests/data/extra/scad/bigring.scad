$fn=180;
difference(){ cylinder(r=60,h=5); translate([0,0,-1]) cylinder(r=52,h=7); }
