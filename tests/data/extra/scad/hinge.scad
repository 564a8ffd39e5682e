$fn=48;
difference(){ union(){ cube([40,20,4]); for(x=[0,16,32]) translate([x,20,6]) rotate([0,90,0]) cylinder(r=6,h=8); translate([0,14,0]) cube([40,6,6]); } translate([-1,20,6]) rotate([0,90,0]) cylinder(r=2.2,h=42); }
