// Variant of shared bracket.scad: 70x25, 3 mm thick, 50 mm tall
$fn = 48; t = 3; L = 70; W = 25; H = 50;
difference() {
  union() {
    cube([L, W, t]);                       // base leg
    cube([t, W, H]);                       // vertical leg
    translate([t, W/2 - 2.5, t])           // gusset
      rotate([90, 0, 0]) rotate([0, 0, 0]) mirror([0, 0, 1])
        linear_extrude(5) polygon([[0, 0], [25, 0], [0, 25]]);
  }
  for (x = [20, 40]) for (y = [8, W - 8]) translate([x, y, -1]) cylinder(d = 5.3, h = t + 2);
  for (z = [18, 32]) for (y = [8, W - 8]) translate([-1, y, z]) rotate([0, 90, 0]) cylinder(d = 5.3, h = t + 2);
}
