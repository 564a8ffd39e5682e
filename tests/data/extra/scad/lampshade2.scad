// a conical lamp shade of 1.6 mm walls flaring out at 30 degrees from vertical, 70 mm tall
$fn = 96;
difference() { cylinder(d1 = 60, d2 = 60 + 2 * 70 * tan(30), h = 70); translate([0, 0, -0.01]) cylinder(d1 = 60 - 3.2 / cos(30), d2 = 60 + 2 * 70 * tan(30) - 3.2 / cos(30), h = 70.02); }
