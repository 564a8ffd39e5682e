// a desk name plate: a 100 mm wedge with a 60-degree front face 30 mm high, a name engraved 0.8 mm into that face
difference() {
  rotate([90, 0, 90]) linear_extrude(height = 100) polygon([[0, 0], [30, 0], [30 * cos(60) * 0 + 17.3, 30], [0, 0]]);
  translate([50, 8.65, 15]) rotate([60, 0, 0]) translate([0, 0, -0.8]) linear_extrude(height = 2) text("PRINTFORGE", size = 8, halign = "center", valign = "center", font = "Liberation Sans:style=Bold");
}
