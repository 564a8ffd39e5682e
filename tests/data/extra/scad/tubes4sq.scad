// four fused tubes 14 mm across with 1.1 mm walls, 13 mm apart on a square, 25 mm tall
$fn = 72;
pts = [[0, 0], [13, 0], [0, 13], [13, 13]];
difference() {
  union() for (p = pts) translate(p) cylinder(d = 14, h = 25);
  for (p = pts) translate([p[0], p[1], -1]) cylinder(d = 11.8, h = 27);
}
