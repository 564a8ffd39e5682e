// a five-pointed star tube of 1 mm walls (tips of 45°), 20 mm tall
module star(r1, r2) polygon([for (i = [0:9]) let(r = i % 2 ? r2 : r1, a = i * 36) [r * cos(a), r * sin(a)]]);
linear_extrude(20) difference() { star(30, 14); offset(delta = -1) star(30, 14); }
