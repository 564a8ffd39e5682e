// Variant of shared thinwall.scad: 1.0 mm walls, 0.6 and 1.6 mm fins
difference() {
  cube([40, 40, 30]);
  translate([1.0, 1.0, 1]) cube([38, 38, 30]);
}
translate([50, 0, 0])  cube([0.6, 30, 20]);
translate([55, 0, 0])  cube([1.6, 30, 20]);
