// a shelf support: a 5 mm pin 10 mm long lying on the bed, on an 16 x 10 x 3 plate standing at its end with a 2 mm lip
$fn = 48;
translate([0, 0, 2.5]) rotate([0, 90, 0]) cylinder(r = 2.5, h = 12);
translate([10, -8, 0]) cube([3, 16, 12]);
translate([10, -8, 0]) cube([14, 16, 3]);
