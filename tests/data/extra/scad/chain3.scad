// three interlocking racetrack links of 2.5 mm wire: flat, standing, flat
$fn = 40;
module link() { hull() { for (x = [-6, 6]) translate([x, 0, 0]) rotate_extrude() translate([7, 0]) circle(r = 2.5); } }
translate([0, 0, 2.5]) link();
translate([20, 0, 9.5]) rotate([90, 0, 0]) link();
translate([40, 0, 2.5]) link();
