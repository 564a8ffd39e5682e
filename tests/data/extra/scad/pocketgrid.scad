// a 3 x 3 grid of 40 mm square pockets 6 mm deep with 45-degree chamfered walls, 42 mm pitch, on a 3 mm floor
difference() {
  cube([128, 128, 9]);
  for (i = [0:2]) for (j = [0:2]) translate([2 + i * 42 + 20, 2 + j * 42 + 20, 3])
    hull() { translate([-18, -18, 0]) cube([36, 36, 0.01]); translate([-20, -20, 2]) cube([40, 40, 7.01]); }
}
