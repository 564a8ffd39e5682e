// Variant of shared box_lid.scad: 80x50x40, 1.2 mm walls
wall = 1.2; L = 80; W = 50; H = 40;
difference() {
  cube([L, W, H]);
  translate([wall, wall, wall]) cube([L - 2*wall, W - 2*wall, H]);
}
// lid: 2 mm plate with a 3 mm lip that fits inside the box
translate([L + 10, 0, 0]) {
  cube([L, W, 2]);
  translate([wall + 0.3, wall + 0.3, 2])
    difference() {
      cube([L - 2*wall - 0.6, W - 2*wall - 0.6, 3]);
      translate([1.2, 1.2, -1]) cube([L - 2*wall - 0.6 - 2.4, W - 2*wall - 0.6 - 2.4, 5]);
    }
}
