// two fused tubes of different sizes (20 and 12 mm across, 1 mm walls), a figure eight, 30 mm tall
$fn = 80;
difference() {
  union() { cylinder(d = 20, h = 30); translate([15, 0, 0]) cylinder(d = 12, h = 30); }
  translate([0, 0, -1]) cylinder(d = 18, h = 32);
  translate([15, 0, -1]) cylinder(d = 10, h = 32);
}
