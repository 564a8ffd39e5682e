// a board case bottom: 92 x 62 mm, 2 mm floor, 1.6 mm walls 12 mm tall, four 6 mm standoffs with 2.5 mm holes, two port cut-outs
$fn = 32;
difference() {
  cube([92, 62, 12]);
  translate([1.6, 1.6, 2]) cube([88.8, 58.8, 12]);
  translate([-1, 10, 4]) cube([4, 16, 6]);
  translate([30, -1, 4]) cube([20, 4, 5]);
}
for (p = [[7.5, 7.5], [65.5, 7.5], [7.5, 56.5], [65.5, 56.5]]) translate([p[0], p[1], 0]) difference() { cylinder(d = 6, h = 7); translate([0, 0, 1]) cylinder(d = 2.5, h = 8); }
