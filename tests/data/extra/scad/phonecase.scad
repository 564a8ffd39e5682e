// a phone case: a rounded 150 x 75 x 10 shell of 1.5 mm walls and floor, open top, a camera cutout and side slots
$fn = 32; L = 150; W = 75; H = 10; r = 8; w = 1.5;
module rbox(l, w_, h, rr) hull() for (x = [rr, l - rr]) for (y = [rr, w_ - rr]) translate([x, y, 0]) cylinder(r = rr, h = h);
difference() {
  rbox(L, W, H, r);
  translate([w, w, w]) rbox(L - 2*w, W - 2*w, H, r - w);
  translate([L - 35, W - 30, -1]) rbox(25, 22, 3, 5);
  translate([40, -1, 4]) cube([30, 3, 3]);
  translate([L - 1.5 - 0.5, 25, 4]) cube([3, 25, 3]);
}
