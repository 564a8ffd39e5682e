// a cylinder 20 mm across and 50 mm tall leaning 20 degrees, cut flat at the bed
$fn = 64;
intersection() {
  multmatrix([[1, 0, tan(20), 0], [0, 1, 0, 0], [0, 0, 1, 0]]) translate([0, 0, -2]) cylinder(d = 20, h = 52);
  translate([-20, -20, 0]) cube([60, 40, 48]);
}
