// a 3 mm cube, a 4 mm disc 2 mm tall and a 2 mm pin 6 mm tall, 10 mm apart
$fn = 32;
cube(3);
translate([12, 1.5, 0]) cylinder(d = 4, h = 2);
translate([22, 1.5, 0]) cylinder(d = 2, h = 6);
