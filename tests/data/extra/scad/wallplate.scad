// a wall switch plate: 80 x 120 x 4 with a rocker opening and two countersunk screw holes
$fn = 40;
difference() {
  translate([-40, -60, 0]) cube([80, 120, 4]);
  translate([-17, -33, -1]) cube([34, 66, 6]);
  for (y = [-48, 48]) translate([0, y, -1]) { cylinder(d = 3.5, h = 6); translate([0, 0, 2.8]) cylinder(d1 = 3.5, d2 = 7.5, h = 2.3); }
}
