// twenty-five separate rings, 12 mm across with 2 mm walls and 4 mm tall, on a 16 mm grid (many small islands)
$fn = 48;
for (i = [0:4], j = [0:4]) translate([i * 16, j * 16, 0]) difference() { cylinder(d = 12, h = 4); translate([0, 0, -1]) cylinder(d = 8, h = 6); }
