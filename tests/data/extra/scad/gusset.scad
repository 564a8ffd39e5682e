// a shelf bracket: two 60 x 40 mm plates of 4 mm at a right angle, joined by a 45-degree gusset of 3 mm, with four screw holes
$fn = 32;
difference() {
  union() {
    cube([60, 40, 4]);
    cube([4, 40, 60]);
    translate([0, 18.5, 0]) rotate([90, 0, 0]) translate([0, 0, -3]) linear_extrude(height = 3) polygon([[4, 4], [56, 4], [4, 56]]);
  }
  for (p = [[20, 10], [45, 30]]) translate([p[0], p[1], -1]) cylinder(d = 4.5, h = 10);
  for (p = [[10, 20], [30, 45]]) translate([-1, p[0] == 10 ? 8 : 32, p[1]]) rotate([0, 90, 0]) cylinder(d = 4.5, h = 10);
}
