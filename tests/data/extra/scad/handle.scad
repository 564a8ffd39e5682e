$fn=48;
// drawer handle: an arched bar on two feet
for(x=[0,96]) translate([x,0,0]) cylinder(r=6,h=8);
translate([48,0,0]) rotate([90,0,0]) rotate_extrude(angle=180) translate([48,0]) scale([1,1]) circle(r=5);
