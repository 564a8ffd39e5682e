// box_lid with other parameters: 70x45x25 box of 1.6 mm walls and its lid
wall = 1.6; L = 70; W = 45; H = 25;
difference() {
  cube([L, W, H]);
  translate([wall, wall, wall]) cube([L - 2*wall, W - 2*wall, H]);
}
translate([L + 10, 0, 0]) {
  cube([L, W, 2]);
  translate([wall + 0.3, wall + 0.3, 2])
    difference() {
      cube([L - 2*wall - 0.6, W - 2*wall - 0.6, 3]);
      translate([1.2, 1.2, -1]) cube([L - 2*wall - 0.6 - 2.4, W - 2*wall - 0.6 - 2.4, 5]);
    }
}
