// Variant of shared plate150.scad: 100 x 60 x 4
cube([100, 60, 4]);
