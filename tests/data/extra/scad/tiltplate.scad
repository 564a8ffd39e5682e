translate([0,0,0]) rotate([30,0,0]) cube([40,30,3]);
