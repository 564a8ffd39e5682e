$fn=80; scale([1,1,1.35]) sphere(r=18);
