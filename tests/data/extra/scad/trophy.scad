// a small trophy: a stepped base, a thin stem and a cup of 1.2 mm wall with two handles
$fn = 64;
cube([30, 30, 4], center = false);
translate([15, 15, 4]) {
  cylinder(d1 = 20, d2 = 14, h = 4);
  cylinder(d = 5, h = 30);
  translate([0, 0, 28]) difference() { cylinder(d1 = 10, d2 = 30, h = 22); translate([0, 0, 2]) cylinder(d1 = 7.6, d2 = 27.6, h = 21); }
  for (s = [-1, 1]) translate([s * 13, 0, 40]) rotate([90, 0, 0]) rotate_extrude($fn = 32) translate([5, 0]) circle(r = 1.2, $fn = 16);
}
