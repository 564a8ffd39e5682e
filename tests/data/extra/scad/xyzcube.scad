// a 20 mm calibration cube with X, Y and Z engraved 1 mm deep on three faces
difference() {
  cube(20);
  translate([10, -0.01, 10]) rotate([90, 0, 0]) translate([0, 0, -1]) linear_extrude(1.01) text("X", size = 12, halign = "center", valign = "center");
  translate([20.01, 10, 10]) rotate([90, 0, 90]) translate([0, 0, -1]) linear_extrude(1.01) text("Y", size = 12, halign = "center", valign = "center");
  translate([10, 10, 19]) linear_extrude(1.01) text("Z", size = 12, halign = "center", valign = "center");
}
