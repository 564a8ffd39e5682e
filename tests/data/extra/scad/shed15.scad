// a hollow shed 60 x 40 with 2 mm walls, 25 mm eaves and a 15-degree gable roof (2 mm thick), open at the bottom
w = 60; d = 40; t = 2; e = 25; a = 15;
module gable(o) { hull() { translate([o, o, 0]) cube([w - 2 * o, d - 2 * o, e]); translate([o, d / 2 - 0.01, 0]) cube([w - 2 * o, 0.02, e + (d / 2 - o) * tan(a)]); } }
difference() { gable(0); translate([0, 0, -0.01]) gable(t); }
