// a 10 mm washer 1.5 mm thick
difference(){ cylinder(r=5,h=1.5,$fn=48); translate([0,0,-1]) cylinder(r=2.2,h=4,$fn=32); }
