// a hollow wing section standing up: a 100 mm symmetric airfoil, 1.2 mm skin, a 2 mm spar at the thickest point, 50 mm tall
function af(x) = 0.12 / 0.2 * 100 * (0.2969 * sqrt(x) - 0.126 * x - 0.3516 * x * x + 0.2843 * x * x * x - 0.1015 * x * x * x * x);
pts = concat([for (i = [0:60]) let(x = pow(i / 60, 2)) [x * 100, af(x)]], [for (i = [59:-1:1]) let(x = pow(i / 60, 2)) [x * 100, -af(x)]]);
linear_extrude(height = 50) {
  difference() { polygon(pts); offset(delta = -1.2) polygon(pts); }
  intersection() { polygon(pts); translate([29, -10]) square([2, 20]); }
}
