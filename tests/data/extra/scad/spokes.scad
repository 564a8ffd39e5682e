// Held-out shape: a 1.2 mm ring with four 1.2 mm spokes
difference(){ cylinder(r=20,h=6,$fn=96); translate([0,0,-1]) cylinder(r=18.8,h=8,$fn=96); }
for(a=[0:45:135]) rotate([0,0,a]) translate([-19.5,-0.6,0]) cube([39,1.2,6]);
