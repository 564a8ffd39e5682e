// a hollow wing section 140 mm in chord and 60 mm tall, 1.6 mm skin, two spars (three cavities)
function af(x) = 0.14 / 0.2 * 140 * (0.2969 * sqrt(x) - 0.126 * x - 0.3516 * x * x + 0.2843 * x * x * x - 0.1015 * x * x * x * x);
pts = concat([for (i = [0:70]) let(x = pow(i / 70, 2)) [x * 140, af(x)]], [for (i = [69:-1:1]) let(x = pow(i / 70, 2)) [x * 140, -af(x)]]);
linear_extrude(height = 60) {
  difference() { polygon(pts); offset(delta = -1.6) polygon(pts); }
  intersection() { polygon(pts); union() { translate([35, -20]) square([2, 40]); translate([85, -20]) square([2, 40]); } }
}
