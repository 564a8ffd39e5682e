// Variant of shared vase.scad: OD 50, height 80, 0.8 mm wall and floor
$fn = 128; r = 25; h = 80; w = 0.8;
difference() {
  cylinder(r = r, h = h);
  translate([0, 0, w]) cylinder(r = r - w, h = h);
}
