// a 30 x 20 x 10 block with four cantilever snap hooks 1.6 mm thick and 15 mm tall
cube([30, 20, 10]);
for (x = [3, 25.4]) for (y = [2, 14]) translate([x, y, 10]) { cube([1.6, 4, 15]); translate([x < 10 ? -1.2 : 1.6, 0, 12]) cube([1.2, 4, 2]); }
