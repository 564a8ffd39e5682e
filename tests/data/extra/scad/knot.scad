// a trefoil knot: a tube of 5 mm diameter along the knot, about 50 mm across, its lowest point cut flat
function P(t) = [10 * (sin(t) + 2 * sin(2 * t)), 10 * (cos(t) - 2 * cos(2 * t)), 6 * -sin(3 * t) + 8.5];
intersection() {
  union() for (i = [0:119]) hull() { translate(P(i * 3)) sphere(d = 5, $fn = 12); translate(P(i * 3 + 3)) sphere(d = 5, $fn = 12); }
  translate([-40, -40, 0.3]) cube([80, 80, 40]);
}
