// a helical ramp: a 10 mm wide strip winding twice round a 10 mm core, rising 30 mm, 3 mm thick
linear_extrude(height = 30, twist = -720, slices = 240) translate([5, -1.5]) square([10, 3]);
cylinder(r = 5.5, h = 30, $fn = 48);
