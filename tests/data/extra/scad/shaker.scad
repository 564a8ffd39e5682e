// a shaker top: a 50 mm dome shell of 1.6 mm walls on a short skirt, with 19 holes of 2 mm through the dome
$fn = 64;
difference() {
  union() { cylinder(r = 25, h = 8); translate([0, 0, 8]) scale([1, 1, 0.5]) sphere(r = 25); }
  translate([0, 0, -0.01]) cylinder(r = 23.4, h = 8.02);
  translate([0, 0, 8]) scale([1, 1, 0.5]) sphere(r = 23.4);
  translate([0, 0, 8]) for (k = [0:18]) let(a = k < 1 ? 0 : k < 7 ? 30 : 55, b = k < 1 ? 0 : k < 7 ? k * 60 : k * 30)
    rotate([0, 0, b]) rotate([0, a, 0]) cylinder(d = 2, h = 30, $fn = 12);
}
