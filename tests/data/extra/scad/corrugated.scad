// a corrugated wall: a 1.2 mm wall following a sine of 4 mm amplitude and 12 mm period, 80 mm long, 30 mm tall, on a 2 mm base strip
pts = [for (i = [0:160]) let(x = i * 0.5) [x, 4 * sin(x * 30)]];
linear_extrude(height = 30) polygon(concat([for (p = pts) [p[0], p[1] - 0.6]], [for (i = [160:-1:0]) [pts[i][0], pts[i][1] + 0.6]]));
translate([0, -6, 0]) cube([80, 12, 2]);
