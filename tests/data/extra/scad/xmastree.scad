// a tree of five stacked cones, each tier's underside a flat ledge over air, on a 6 mm trunk
$fn = 64;
cylinder(d = 8, h = 10);
for (k = [0:4]) translate([0, 0, 8 + k * 12]) cylinder(d1 = 50 - k * 8, d2 = 12 - k * 2, h = 18);
