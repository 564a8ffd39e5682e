// a jar lid: 70 mm across, a 2 mm top and 1.6 mm skirt 14 mm tall, a square-profile thread inside it
$fn = 120;
difference() { cylinder(r = 35, h = 16); translate([0, 0, -1]) cylinder(r = 33.4, h = 15); }
intersection() {
  translate([0, 0, 1]) linear_extrude(height = 12, twist = -4 * 360, slices = 240) translate([1.6, 0]) circle(r = 32.4, $fn = 60);
  difference() { cylinder(r = 34, h = 14); translate([0, 0, -1]) cylinder(r = 32.2, h = 16); }
}
