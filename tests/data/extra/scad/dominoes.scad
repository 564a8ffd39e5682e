// twelve 20 x 10 x 4 mm tiles in a 4 x 3 grid, 15 mm apart
for (i = [0:3], j = [0:2]) translate([i * 35, j * 25, 0]) cube([20, 10, 4]);
