// a pipe tee of 20 mm outer and 16 mm inner diameter lying on the bed, its underside flattened by 0.6 mm
$fn = 64;
intersection() {
  translate([0, 0, 9.4]) difference() {
    union() { rotate([0, 90, 0]) cylinder(d = 20, h = 60, center = true); rotate([-90, 0, 0]) cylinder(d = 20, h = 35); }
    rotate([0, 90, 0]) cylinder(d = 16, h = 62, center = true);
    rotate([-90, 0, 0]) cylinder(d = 16, h = 37);
  }
  translate([-50, -50, 0]) cube([100, 100, 40]);
}
