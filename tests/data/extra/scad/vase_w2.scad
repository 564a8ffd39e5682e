// Variant of shared vase.scad: OD 80, 80 mm, 2 mm wall
$fn = 128; r = 40; h = 80; w = 2;
difference() {
  cylinder(r = r, h = h);
  translate([0, 0, w]) cylinder(r = r - w, h = h);
}
