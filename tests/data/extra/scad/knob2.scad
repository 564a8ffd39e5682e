$fn=72; cylinder(r=15,h=10); translate([0,0,10]) cylinder(r1=15,r2=9,h=8); translate([0,0,18]) scale([1,1,0.5]) sphere(r=9);
