difference(){ cube([80,12,20]); translate([40,-1,0]) rotate([-90,0,0]) cylinder(r=30,h=14,$fn=120); }
