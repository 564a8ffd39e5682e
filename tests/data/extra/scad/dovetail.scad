// a 40 x 40 x 20 block with a dovetail slot along Y: 12 mm at the mouth, 20 mm at the bottom, 8 mm deep
difference() {
  cube([40, 40, 20]);
  translate([20, -1, 0]) rotate([-90, 0, 0]) linear_extrude(height = 42) polygon([[-6, -20.01], [6, -20.01], [10, -12], [-10, -12]]);
}
