// a bed of spikes: 5 x 5 cones of 6 mm base tapering to a point, 20 mm tall, on a 40 mm plate 2 mm thick
$fn = 32;
cube([40, 40, 2]);
for (i = [0:4], j = [0:4]) translate([4 + i * 8, 4 + j * 8, 2]) cylinder(d1 = 6, d2 = 0, h = 20);
