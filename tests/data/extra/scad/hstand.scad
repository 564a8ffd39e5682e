// a headphone stand: a 90 x 70 x 5 base, a 24 x 16 column 110 mm tall and a curved 60 mm saddle on top
$fn = 96;
translate([-45, -35, 0]) cube([90, 70, 5]);
translate([-12, -8, 0]) cube([24, 16, 115]);
translate([0, 0, 95]) rotate([90, 0, 0]) difference() {
  cylinder(r = 30, h = 16, center = true);
  cylinder(r = 26, h = 18, center = true);
  translate([-40, -80, -10]) cube([80, 80, 20]);
}
