// bracket with other parameters: 60x25 legs 4 mm thick, 35 mm tall, M4 holes
$fn = 40; t = 4; L = 60; W = 25; H = 35;
difference() {
  union() {
    cube([L, W, t]);
    cube([t, W, H]);
    translate([t, W/2 - 2, t]) rotate([90, 0, 0]) mirror([0, 0, 1])
      linear_extrude(4) polygon([[0, 0], [20, 0], [0, 20]]);
  }
  for (x = [18, 34, 50]) for (y = [7, W - 7]) translate([x, y, -1]) cylinder(d = 4.3, h = t + 2);
  for (z = [15, 27]) for (y = [7, W - 7]) translate([-1, y, z]) rotate([0, 90, 0]) cylinder(d = 4.3, h = t + 2);
}
