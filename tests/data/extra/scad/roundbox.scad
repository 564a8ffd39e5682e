// a 60 x 40 x 20 block with every edge rounded at 6 mm
$fn = 32;
minkowski() { translate([6, 6, 6]) cube([48, 28, 8]); sphere(r = 6); }
