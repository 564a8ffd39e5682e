// a modular bin base: a 2 x 2 grid of 42 mm cells, each with a stepped chamfered foot and two magnet holes,
// under a 3 mm plate and a bin of 1.2 mm walls 20 mm tall
$fn = 32;
module foot() {
  difference() {
    hull() { translate([2.5, 2.5, 0]) cube([37, 37, 0.1]); translate([0.8, 0.8, 4.6]) cube([40.4, 40.4, 0.1]); }
    for (p = [[8, 8], [34, 34]]) translate([p[0], p[1], -1]) cylinder(d = 6.5, h = 3);
  }
}
for (i = [0:1], j = [0:1]) translate([i * 42, j * 42, 0]) foot();
translate([0.8, 0.8, 4.6]) difference() {
  cube([82.4, 82.4, 23]);
  translate([1.2, 1.2, 3]) cube([80, 80, 30]);
}
