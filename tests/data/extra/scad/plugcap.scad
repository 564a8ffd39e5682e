// a cap for a 25 mm square tube: a 28 x 28 x 3 dome-topped plate and a 2.5 x 1.2 mm walled plug with ribs
$fn = 64;
intersection() { translate([-14, -14, 0]) cube([28, 28, 6]); translate([0, 0, -30]) sphere(r = 36); }
translate([0, 0, -14]) difference() {
  translate([-10.6, -10.6, 0]) cube([21.2, 21.2, 14]);
  translate([-9.4, -9.4, -1]) cube([18.8, 18.8, 16]);
}
for (a = [0:90:270]) rotate(a) translate([10.4, -4, -12]) cube([0.8, 8, 12]);
