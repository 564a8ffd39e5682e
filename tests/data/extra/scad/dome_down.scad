// an inverted bowl: a hemispherical shell of 2 mm, 50 mm across, resting on its rim (no supports)
$fn = 96;
difference() { sphere(r = 25); sphere(r = 23); translate([-30, -30, -30]) cube([60, 60, 30]); }
