// a tetrahedral frame of 4 mm rods, 60 mm edges (rods rising at angles over air)
$fn = 16;
a = 60;
p = [[0, 0, 0], [a, 0, 0], [a / 2, a * sqrt(3) / 2, 0], [a / 2, a * sqrt(3) / 6, a * sqrt(2 / 3)]];
module rod(u, v) hull() { translate(u) sphere(d = 4); translate(v) sphere(d = 4); }
translate([0, 0, 2]) for (i = [0:3], j = [0:3]) if (i < j) rod(p[i], p[j]);
