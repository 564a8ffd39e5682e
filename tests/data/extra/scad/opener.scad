// a flat bottle opener 90 x 30 x 5 mm with a 20 mm opening and a 6 mm hanging hole, rounded ends
$fn = 64;
difference() {
  hull() { translate([15, 0, 0]) cylinder(r = 15, h = 5); translate([75, 0, 0]) cylinder(r = 12, h = 5); }
  translate([16, 0, -1]) hull() { cylinder(r = 8, h = 7); translate([6, 0, 0]) cylinder(r = 6, h = 7); }
  translate([80, 0, -1]) cylinder(r = 3, h = 7);
}
