// Variant of shared cube20.scad: 30 mm cube
cube([30, 30, 30]);
