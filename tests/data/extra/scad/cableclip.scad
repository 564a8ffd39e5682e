// a desk cable organizer: a 100 x 20 x 15 mm block with six round channels open at the top through slots
$fn = 48;
difference() {
  cube([100, 20, 15]);
  for (i = [0:5]) {
    translate([9 + i * 16.4, -1, 8]) rotate([-90, 0, 0]) cylinder(d = 8, h = 22);
    translate([9 + i * 16.4 - 2.5, -1, 8]) cube([5, 22, 10]);
  }
}
