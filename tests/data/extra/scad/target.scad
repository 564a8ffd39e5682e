// ten concentric rings 1.2 mm wide, 0.6 mm apart, 3 mm tall, on a 0.6 mm disc
$fn = 96;
cylinder(r = 10 * 1.8 + 2, h = 0.6);
for (i = [1:10]) difference() { cylinder(r = 2 + i * 1.8, h = 3); translate([0, 0, -1]) cylinder(r = 2 + i * 1.8 - 1.2, h = 5); }
