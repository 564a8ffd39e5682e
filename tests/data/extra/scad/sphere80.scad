$fn = 96; translate([0, 0, 40]) sphere(d = 80);
