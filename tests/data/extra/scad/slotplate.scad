// a 100 x 60 x 3 plate with twelve 1.5 mm slots 40 mm long
difference() { cube([100, 60, 3]); for (i = [0:11]) translate([8 + i * 7.5, 10, -1]) cube([1.5, 40, 5]); }
