// a 80 x 60 plate whose top is a sine wave of 3 mm amplitude along X on a 4 mm base
n = 80;
pts = concat([[0, 0]], [for (i = [0:n]) [i, 7 + 3 * sin(i * 360 / 20)]], [[n, 0]]);
rotate([90, 0, 0]) translate([0, 0, -60]) linear_extrude(60) polygon(pts);
