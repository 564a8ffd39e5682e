$fn=100; cylinder(r1=30,r2=12,h=35);
