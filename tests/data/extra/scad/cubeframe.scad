// a 40 mm cube frame: twelve 4 mm square bars along its edges, the top ones bridging 32 mm
difference() {
  cube(40);
  translate([4, 4, -1]) cube([32, 32, 42]);
  translate([4, -1, 4]) cube([32, 42, 32]);
  translate([-1, 4, 4]) cube([42, 32, 32]);
}
