// Variant of shared vase.scad: OD 40, 60 mm, 0.9 mm wall
$fn = 128; r = 20; h = 60; w = 0.9;
difference() {
  cylinder(r = r, h = h);
  translate([0, 0, w]) cylinder(r = r - w, h = h);
}
