// Variant of shared tower.scad: 15x25 section, 100 mm high, 60 degree twist
linear_extrude(height = 100, twist = 60, slices = 100) square([15, 25], center = true);
