// a 50 mm tube of 1.6 mm walls (radius 25) on a 1.2 mm floor with twelve 3 mm slots slanted 30 degrees
$fn = 96;
difference() {
  cylinder(r = 25, h = 50);
  translate([0, 0, 1.2]) cylinder(r = 23.4, h = 50);
  for (k = [0:11]) rotate([0, 0, k * 30]) translate([24, 0, 25]) rotate([30, 0, 0]) cube([6, 3, 30], center = true);
}
