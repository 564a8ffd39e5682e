// a hexagonal pencil, 8 mm across flats and 120 mm long, lying on a flat, its tip a cone
rotate([0, 90, 0]) rotate([0, 0, 30]) union() {
  cylinder(d = 8 / cos(30), h = 100, $fn = 6);
  translate([0, 0, 100]) cylinder(d1 = 8 / cos(30), d2 = 0.5, h = 20, $fn = 6);
}
