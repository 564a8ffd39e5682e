// overhang with other parameters: ramps of 20, 40 and 55 degrees from vertical on a 70x8x4 base, 10 mm tall
module ramp(a) rotate([90, 0, 0]) linear_extrude(8)
  polygon([[0, 0], [6, 0], [6 + 10*tan(a), 10], [0, 10]]);
cube([70, 8, 4]);
translate([2, 8, 4])  ramp(20);
translate([24, 8, 4]) ramp(40);
translate([46, 8, 4]) ramp(55);
