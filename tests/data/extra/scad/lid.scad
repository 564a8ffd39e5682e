$fn=100; difference(){ union(){ cylinder(r=40,h=3); translate([0,0,3]) scale([1,1,0.3]) sphere(r=40); } translate([0,0,-1]) cylinder(r=37,h=2.5); } translate([0,0,14]) cylinder(r=4,h=8);
