// a box lid 80 x 50 x 8 mm, 1.6 mm shell with an inner lip, a finger notch and a grid of 1 mm ribs on its top
difference() { cube([80, 50, 8]); translate([1.6, 1.6, -1]) cube([76.8, 46.8, 7.4]); translate([40, -1, 5]) rotate([-90, 0, 0]) cylinder(d = 12, h = 4, $fn = 40); }
translate([3.2, 3.2, 0]) difference() { cube([73.6, 43.6, 4]); translate([1.2, 1.2, -1]) cube([71.2, 41.2, 6]); }
for (i = [1:7]) translate([i * 10, 0, 8]) cube([1, 50, 1]);
