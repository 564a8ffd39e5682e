// a tapered star: a five-pointed star of 30 mm radius extruded 30 mm tall, scaled to 0.3 at the top, hollowed by a 10 mm bore
difference() {
  linear_extrude(height = 30, scale = 0.3) polygon([for (i = [0:9]) let(r = i % 2 ? 12 : 30) [r * cos(i * 36), r * sin(i * 36)]]);
  translate([0, 0, -1]) cylinder(d = 10, h = 40, $fn = 48);
}
