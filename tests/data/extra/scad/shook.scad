// an S hook of 5 mm round wire lying flat: two half rings of 20 and 14 mm radius, cut 1 mm flat at the bottom
$fn = 32;
intersection() {
  translate([0, 0, 2]) union() {
    rotate_extrude(angle = 200) translate([20, 0]) circle(d = 5);
    translate([-34, 0, 0]) rotate(180) rotate_extrude(angle = 200) translate([14, 0]) circle(d = 5);
  }
  translate([-80, -50, 0]) cube([120, 100, 10]);
}
