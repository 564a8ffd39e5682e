$fn=48; cylinder(r=2,h=30); translate([0,0,38]) sphere(r=9);
