// shelf bracket: an L with a diagonal rib, holes
difference(){ union(){ cube([60,20,5]); cube([5,20,60]); translate([5,8,5]) rotate([0,-45,0]) translate([0,0,-2]) cube([70,4,4]);} 
 for(x=[20,45]) translate([x,10,-1]) cylinder(r=2.2,h=10,$fn=24);
 for(z=[20,45]) translate([-1,10,z]) rotate([0,90,0]) cylinder(r=2.2,h=10,$fn=24);}
