// thinwall with other parameters: 35x35x25 square tube of 1.3 mm walls on a 1 mm base, 0.8 and 1.6 mm fins
difference() {
  cube([35, 35, 25]);
  translate([1.3, 1.3, 1]) cube([35 - 2.6, 35 - 2.6, 25]);
}
translate([45, 0, 0])  cube([0.8, 25, 18]);
translate([50, 0, 0])  cube([1.6, 25, 18]);
