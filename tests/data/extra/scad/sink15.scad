// a 60 x 60 x 12 block with a conical depression of 15-degree flanks, 50 mm across, in its top
$fn = 96;
difference() {
  translate([-30, -30, 0]) cube([60, 60, 12]);
  translate([0, 0, 12 - 25 * tan(15)]) cylinder(d1 = 0, d2 = 50, h = 25 * tan(15) + 0.01);
  translate([0, 0, 12]) cylinder(d = 50, h = 1);
}
