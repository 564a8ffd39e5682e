// a 3 mm wall 80 x 40 with four 15 x 15 windows (bridged tops)
difference() { cube([80, 3, 40]); for (i = [0:3]) translate([4 + i * 19.5, -1, 12]) cube([15, 5, 15]); }
translate([-5, -8.5, 0]) cube([90, 20, 2]);
