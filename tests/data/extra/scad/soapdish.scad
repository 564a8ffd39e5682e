// a soap dish: a 100 x 70 mm rounded tray of 2 mm walls, 18 mm tall, with 7 drainage slots in its floor and ribs across it
$fn = 40;
module rr(x, y, r, h) hull() for (i = [r, x - r], j = [r, y - r]) translate([i, j, 0]) cylinder(r = r, h = h);
difference() {
  rr(100, 70, 10, 18);
  translate([2, 2, 2]) rr(96, 66, 8, 20);
  for (i = [0:6]) translate([17 + i * 11, 15, -1]) rr(3, 40, 1.5, 4);
}
for (i = [0:5]) translate([21 + i * 11, 2, 0]) cube([2, 66, 6]);
