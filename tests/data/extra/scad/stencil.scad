// a stencil: a 90 x 40 mm plate 1.5 mm thick with the letters PF3D cut through it
difference() {
  cube([90, 40, 1.5]);
  translate([10, 10, -1]) linear_extrude(height = 4) text("PF3D", size = 20, font = "Liberation Sans:style=Bold");
}
