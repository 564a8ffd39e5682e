$fn=48; translate([0,0,16]) rotate([90,0,0]) hull(){ translate([0,-8,0]) rotate_extrude() translate([8,0]) circle(r=2.5); }
