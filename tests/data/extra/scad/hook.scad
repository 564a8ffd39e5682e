$fn=64;
// wall hook: a back plate, an arm and a curled tip
cube([30,4,50]);
translate([15,4,8]) rotate([-90,0,0]) cylinder(r=5,h=25);
translate([15,29,8]) rotate_extrude(angle=180) translate([10,0]) circle(r=5);
