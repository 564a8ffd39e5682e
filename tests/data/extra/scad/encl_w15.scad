// Variant of shared enclosure.scad: 100x70x30, 1.5 mm walls
$fn = 32; L = 100; W = 70; H = 30; r = 4; w = 1.5;
module rbox(l, w_, h, rr) hull() for (x = [rr, l - rr]) for (y = [rr, w_ - rr]) translate([x, y, 0]) cylinder(r = rr, h = h);
difference() {
  union() {
    difference() {
      rbox(L, W, H, r);
      translate([w, w, w]) rbox(L - 2*w, W - 2*w, H, r - w);
    }
    for (x = [8, L - 8]) for (y = [8, W - 8]) translate([x, y, 0]) cylinder(d = 7, h = H - 3);
  }
  for (x = [8, L - 8]) for (y = [8, W - 8]) translate([x, y, 3]) cylinder(d = 2.8, h = H);
  translate([L/2 - 8, -1, H - 8]) cube([16, w + 2, 9]);
}
