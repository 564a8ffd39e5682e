// a ring standing on its edge: overhangs all round its lower half
$fn=72; translate([0,0,22]) rotate([90,0,0]) rotate_extrude() translate([18,0]) circle(r=4);
