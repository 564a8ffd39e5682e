// a 42 x 42 bin 28 mm tall, 1.2 mm walls round 4 mm corners, a chamfered 5 mm foot and a stacking lip
$fn = 48;
module rr(s, r, h) { linear_extrude(height = h) offset(r = r) square(s - 2 * r, center = true); }
hull() { translate([0, 0, 0]) rr(35.6, 0.8, 0.01); translate([0, 0, 0.8]) rr(37.2, 1.6, 0.01); translate([0, 0, 4.4]) rr(41.5, 3.75, 0.6); }
difference() {
  translate([0, 0, 5]) rr(41.5, 3.75, 23);
  translate([0, 0, 6.2]) rr(39.1, 2.55, 30);
}
difference() {
  translate([0, 0, 28]) rr(41.5, 3.75, 2.6);
  hull() { translate([0, 0, 27.9]) rr(39.1, 2.55, 0.01); translate([0, 0, 30.7]) rr(41.5 - 0.01, 3.74, 0.01); }
}
