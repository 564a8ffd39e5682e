// a threaded rod, 12 mm across and 40 mm long: an off-centre disc twisted along its length (one-start thread of 3 mm pitch)
linear_extrude(height = 40, twist = -4800, slices = 640) translate([0.9, 0]) circle(d = 10.2, $fn = 48);
