// Variant of shared vase.scad: OD 70, height 60, 2 mm wall and floor
$fn = 128; r = 35; h = 60; w = 2;
difference() {
  cylinder(r = r, h = h);
  translate([0, 0, w]) cylinder(r = r - w, h = h);
}
