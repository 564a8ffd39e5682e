// a tensile test bar: a 4 mm-thick dogbone, 115 mm long, 19 mm grip ends narrowing to a 6 mm gauge on 14 mm radii
$fn = 64;
linear_extrude(height = 4) difference() {
  translate([0, -9.5]) square([115, 19]);
  for (s = [-1, 1]) translate([57.5, s * (3 + 14)]) hull() for (x = [-16.5, 16.5]) translate([x, 0]) circle(r = 14);
}
