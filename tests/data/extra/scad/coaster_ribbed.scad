$fn=90; difference(){ cylinder(r=45,h=5); translate([0,0,2]) cylinder(r=42,h=5); } for(i=[0:11]) rotate(i*30) translate([0,-0.6,0]) cube([42,1.2,3.5]);
