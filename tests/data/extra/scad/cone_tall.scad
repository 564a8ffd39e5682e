$fn = 96; cylinder(r1 = 25, r2 = 2, h = 100);
