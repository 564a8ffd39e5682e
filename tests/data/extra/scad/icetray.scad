// an ice-cube tray: a 3 x 4 grid of 20 x 20 x 18 mm pockets in a block with 1.5 mm walls and a 1.5 mm floor
difference() {
  cube([3 * 21.5 + 1.5, 4 * 21.5 + 1.5, 19.5]);
  for (i = [0:2], j = [0:3]) translate([1.5 + i * 21.5, 1.5 + j * 21.5, 1.5]) cube([20, 20, 20]);
}
