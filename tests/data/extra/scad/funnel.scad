$fn=96;
difference(){ union(){ cylinder(r1=8,r2=40,h=40); translate([0,0,-30]) cylinder(r=8,h=30);} union(){ translate([0,0,0.01]) cylinder(r1=6.8,r2=38.8,h=40.01); translate([0,0,-31]) cylinder(r=6.8,h=31.02);} }
