// seven fused tubes 12 mm across with 1 mm walls, 40 mm tall (a hexagonal bundle: six cavities round one)
$fn = 64;
pts = concat([[0, 0]], [for (a = [0:60:300]) [11 * cos(a), 11 * sin(a)]]);
difference() {
  union() for (p = pts) translate(p) cylinder(d = 12, h = 40);
  for (p = pts) translate([p[0], p[1], -1]) cylinder(d = 10, h = 42);
}
