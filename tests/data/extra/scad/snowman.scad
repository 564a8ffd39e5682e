$fn=64;
sphere(r=20); translate([0,0,28]) sphere(r=14); translate([0,0,48]) sphere(r=9);
