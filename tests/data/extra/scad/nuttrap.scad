// a 20 mm cylinder 12 mm tall with an M5 bore and a hexagonal nut pocket 4 mm deep at its top
difference() {
  cylinder(r = 10, h = 12, $fn = 96);
  translate([0, 0, -1]) cylinder(r = 2.7, h = 14, $fn = 32);
  translate([0, 0, 8]) cylinder(r = 4.7, h = 5, $fn = 6);
}
