// a 30 mm token 2.5 mm thick with a raised 1 mm rim and a raised five-pointed star
$fn = 96;
cylinder(r = 15, h = 2.5);
difference() { cylinder(r = 15, h = 3.1); translate([0, 0, -1]) cylinder(r = 14, h = 5); }
linear_extrude(height = 3.1) polygon([for (i = [0:9]) let(a = 90 + i * 36, r = i % 2 ? 4 : 10) [r * cos(a), r * sin(a)]]);
