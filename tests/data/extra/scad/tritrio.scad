// three triangular tubes of 0.9 mm walls side by side, touching at their bases, 15 mm tall
$fn = 3;
for (i = [0:2]) translate([i * 26, 0, 0]) difference() { cylinder(r = 15, h = 15); translate([0, 0, -1]) cylinder(r = 15 - 1.8, h = 17); }
