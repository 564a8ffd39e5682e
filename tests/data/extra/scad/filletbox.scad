$fn=32; minkowski(){ cube([40,30,15]); sphere(r=3); }
