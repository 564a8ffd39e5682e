// a ring setting: a 20 mm ring of 2 mm band 4 mm tall, six prongs of 1.0 mm rising 8 mm above it, leaning in
$fn = 64;
difference() { cylinder(d = 20, h = 4); translate([0, 0, -1]) cylinder(d = 16, h = 6); }
for (i = [0:5]) rotate(i * 60) hull() { translate([9, 0, 3.9]) cylinder(d = 1.0, h = 0.1, $fn = 16); translate([6.5, 0, 12]) cylinder(d = 1.0, h = 0.1, $fn = 16); }
