$fn=64; translate([0,0,8]) { cylinder(r=8,h=30); translate([0,0,30]) sphere(r=8); sphere(r=8); }
