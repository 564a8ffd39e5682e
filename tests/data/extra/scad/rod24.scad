cylinder(r=1.2,h=36,$fn=16);
