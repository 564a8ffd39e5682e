$fn=80;
difference(){ union(){ cylinder(r=14,h=2); translate([0,0,2]) cylinder(r=11,h=8); translate([0,0,10]) cylinder(r=14,h=2); translate([0,0,12]) cylinder(r=8,h=8);} translate([0,0,-1]) cylinder(r=2.6,h=30); translate([0,0,16]) rotate([0,90,0]) cylinder(r=1.6,h=20,$fn=20);}
