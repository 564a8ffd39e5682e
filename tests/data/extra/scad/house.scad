// a model house: a 40 x 30 x 25 mm hollow box of 2 mm walls, a door and two windows, under a 45-degree gable roof with 2 mm eaves
difference() {
  cube([40, 30, 25]);
  translate([2, 2, 2]) cube([36, 26, 24]);
  translate([16, -1, 2]) cube([8, 4, 14]);
  for (x = [5, 28]) translate([x, -1, 12]) cube([7, 4, 7]);
}
translate([-2, -2, 25]) rotate([90, 0, 90]) linear_extrude(height = 44) polygon([[0, 0], [34, 0], [17, 17]]);
