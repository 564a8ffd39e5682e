// a hexagonal pencil cup: 2 mm walls, 2 mm floor, 70 mm across corners, 90 mm tall
$fn = 6;
difference() {
  cylinder(r = 35, h = 90);
  translate([0, 0, 2]) cylinder(r = 35 - 2 / cos(30), h = 90);
}
