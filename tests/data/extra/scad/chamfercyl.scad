$fn=90; cylinder(r1=15,r2=20,h=5); translate([0,0,5]) cylinder(r=20,h=25); translate([0,0,30]) cylinder(r1=20,r2=16,h=4);
