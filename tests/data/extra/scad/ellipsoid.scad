// an ellipsoid 60 x 30 x 20 mm lying on the bed
translate([0, 0, 10]) scale([30, 15, 10]) sphere(r = 1, $fn = 96);
