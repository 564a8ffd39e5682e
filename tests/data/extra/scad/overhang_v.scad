// Variant of shared overhang.scad: ramps at 20, 40 and 55 degrees from vertical
// and a T-shelf (10x10x20 pillar with a 30x10x3 top: 10 mm unsupported on each side)
module ramp(a) rotate([90, 0, 0]) linear_extrude(10)
  polygon([[0, 0], [5, 0], [5 + 12*tan(a), 12], [0, 12]]);
cube([80, 10, 5]);
translate([2, 10, 5])  ramp(20);
translate([27, 10, 5]) ramp(40);
translate([52, 10, 5]) ramp(55);
translate([30, 20, 0]) cube([10, 10, 20]);
translate([20, 20, 20]) cube([30, 10, 3]);
