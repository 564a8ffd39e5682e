// a small drawer: 80 x 100 x 40 box of 1.8 mm walls with a 2 mm front plate and a half-round handle
$fn = 48;
difference() { cube([80, 100, 40]); translate([1.8, 1.8, 1.8]) cube([80 - 3.6, 100 - 3.6, 40]); }
translate([-2, -2, 0]) cube([84, 2, 44]);
translate([40, -2, 22]) rotate([90, 0, 0]) difference() { cylinder(r = 12, h = 8); translate([0, 0, -1]) cylinder(r = 8, h = 10); translate([-13, -13, -1]) cube([26, 13, 10]); }
