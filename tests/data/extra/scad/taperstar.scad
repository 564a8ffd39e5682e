// a 20-pointed star 60 mm across tapering to 0.6 of its size over 12 mm, with an 8 mm bore
difference() {
  linear_extrude(height = 12, scale = 0.6) polygon([for (i = [0:39]) let(a = i * 9, r = i % 2 ? 26 : 30) [r * cos(a), r * sin(a)]]);
  translate([0, 0, -1]) cylinder(r = 4, h = 14, $fn = 48);
}
