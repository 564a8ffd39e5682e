// a spherical cap 100 mm across and 18 mm high (a lamp base or a paperweight)
r = (50 * 50 + 18 * 18) / (2 * 18);
intersection() { translate([0, 0, 18 - r]) sphere(r = r, $fn = 160); translate([-60, -60, 0]) cube([120, 120, 20]); }
