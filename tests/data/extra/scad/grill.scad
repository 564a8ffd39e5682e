// a fan grill 80 mm across, 3 mm thick: five 1.6 mm rings, four 2 mm spokes, a 10 mm hub and a 4 mm rim with corner holes
$fn = 96;
difference() { translate([-40, -40, 0]) cube([80, 80, 3]); cylinder(d = 72, h = 8, center = true); for (x = [-32, 32], y = [-32, 32]) translate([x, y, 0]) cylinder(d = 4.3, h = 8, center = true); }
for (r = [10, 18, 26, 34]) difference() { cylinder(d = r * 2 + 1.6, h = 3); translate([0, 0, -1]) cylinder(d = r * 2 - 1.6, h = 5); }
cylinder(d = 10, h = 3);
for (a = [0, 90]) rotate(a) translate([-37, -1, 0]) cube([74, 2, 3]);
