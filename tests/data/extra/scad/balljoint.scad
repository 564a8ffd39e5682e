// a print-in-place ball joint: a 16 mm ball on a stem inside a socket that leaves 0.4 mm of clearance, both on a base
$fn = 64;
cube([30, 30, 3], center = false);
translate([15, 15, 3]) {
  cylinder(d = 6, h = 6);
  translate([0, 0, 14]) sphere(d = 16);
  translate([0, 0, 14]) difference() {
    sphere(d = 22);
    sphere(d = 16.8);
    translate([0, 0, -20]) cylinder(d = 10, h = 12);
    translate([0, 0, 6]) cylinder(d = 30, h = 10);
  }
}
