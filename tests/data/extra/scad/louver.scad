// a louvred vent: a 60 x 40 mm frame of 3 mm walls, 12 mm deep, with 8 slats of 1.2 mm tilted 45 degrees spanning it
difference() { cube([60, 40, 12]); translate([3, 3, -1]) cube([54, 34, 14]); }
for (i = [0:7]) translate([3, 5 + i * 4.2, 1]) rotate([45, 0, 0]) cube([54, 1.2, 8]);
