// a twisted square vase: 40 mm square, 80 mm tall, twisted 90 degrees, 1.6 mm walls, a floor
linear_extrude(height=80, twist=90, slices=80) difference() { square(40, center=true); square(40-3.2, center=true); }
linear_extrude(height=1.6) square(40, center=true);
