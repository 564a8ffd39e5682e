// a gear rack, module 1.5: 120 mm of trapezoidal teeth on a 10 x 10 bar
m = 1.5; p = 3.14159 * m; n = floor(120 / p);
cube([n * p, 10, 10]);
for (i = [0:n-1]) translate([i * p, 0, 10])
  rotate([90, 0, 0]) translate([0, 0, -10]) linear_extrude(10)
    polygon([[0, 0], [p * 0.5, 0], [p * 0.5 - 0.6 * m, 2.25 * m], [0.6 * m, 2.25 * m]]);
