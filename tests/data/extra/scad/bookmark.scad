// a bookmark: 40 x 150 mm, 0.6 mm thick, with a row of round and slotted cut-outs and a tassel hole
$fn = 48;
difference() {
  cube([40, 150, 0.6]);
  for (i = [0:5]) translate([20, 20 + i * 18, -1]) cylinder(d = 10 - i, h = 3);
  for (i = [0:3]) translate([6 + i * 8, 128, -1]) cube([4, 14, 3]);
  translate([20, 146, -1]) cylinder(d = 4, h = 3);
}
