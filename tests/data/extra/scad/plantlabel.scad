// a plant label: a 20 x 80 x 1.6 plate with a pointed end and a 1 mm raised border
linear_extrude(1.6) polygon([[0, 0], [20, 0], [20, 80], [10, 95], [0, 80]]);
translate([0, 0, 1.6]) linear_extrude(1) difference() {
  polygon([[0, 0], [20, 0], [20, 80], [10, 95], [0, 80]]);
  offset(delta = -1.2) polygon([[0, 0], [20, 0], [20, 80], [10, 95], [0, 80]]);
}
