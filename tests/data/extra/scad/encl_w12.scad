// enclosure with other parameters: 90x55x30, 1.2 mm walls, corners of radius 6, four bosses, a slot
$fn = 40; L = 90; W = 55; H = 30; r = 6; w = 1.2;
module rbox(l, w_, h, rr) hull() for (x = [rr, l - rr]) for (y = [rr, w_ - rr]) translate([x, y, 0]) cylinder(r = rr, h = h);
difference() {
  union() {
    difference() {
      rbox(L, W, H, r);
      translate([w, w, w]) rbox(L - 2*w, W - 2*w, H, r - w);
    }
    for (x = [9, L - 9]) for (y = [9, W - 9]) translate([x, y, 0]) cylinder(d = 7, h = H - 4);
  }
  for (x = [9, L - 9]) for (y = [9, W - 9]) translate([x, y, 3]) cylinder(d = 2.8, h = H);
  translate([L/2 - 10, -1, H - 10]) cube([20, w + 2, 11]);
}
