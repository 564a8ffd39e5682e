$fn=96;
difference(){ cylinder(r=40,h=90); translate([0,0,3]) cylinder(r=37.6,h=100); }
translate([40,0,45]) rotate([90,0,0]) rotate_extrude(angle=360) translate([18,0]) scale([0.5,1]) circle(r=5);
