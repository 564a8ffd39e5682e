// a disc 80 mm across and 2 mm thick with 24 hooked teeth and a 10 mm bore
difference() {
  linear_extrude(height = 2) polygon([for (i = [0:47]) let(a = i * 7.5, r = i % 2 ? 36 : 40, b = i % 2 ? a : a - 3) [r * cos(b), r * sin(b)]]);
  translate([0, 0, -1]) cylinder(r = 5, h = 4, $fn = 48);
}
