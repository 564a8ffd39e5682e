$fn=48; rotate([0,0,0]) rotate_extrude(angle=180) translate([25,0]) scale([1,1.6]) circle(r=5); translate([-32,-6,0]) cube([14,12,4]); translate([18,-6,0]) cube([14,12,4]);
