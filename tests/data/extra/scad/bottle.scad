// a closed bottle of 1.2 mm walls: a 40 mm body 50 mm tall, a 45-degree shoulder, a 16 mm neck 12 mm tall, open at the neck
$fn = 96;
difference() {
  union() { cylinder(d = 40, h = 50); translate([0, 0, 50]) cylinder(d1 = 40, d2 = 16, h = 12); translate([0, 0, 62]) cylinder(d = 16, h = 12); }
  translate([0, 0, 1.2]) cylinder(d = 37.6, h = 48.8 + 0.01);
  translate([0, 0, 50]) cylinder(d1 = 37.6, d2 = 13.6, h = 12);
  translate([0, 0, 61.9]) cylinder(d = 13.6, h = 13);
}
