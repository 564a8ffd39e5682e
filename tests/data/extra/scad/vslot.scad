// a 20 x 20 mm aluminium-style extrusion profile, 60 mm long standing up: a 4.2 mm bore, four T-slots of 6.2 mm openings, 1.8 mm walls
linear_extrude(height = 60) difference() {
  square(20, center = true);
  circle(d = 4.2, $fn = 32);
  for (a = [0:90:270]) rotate(a) {
    translate([6.2, -3.1]) square([4, 6.2]);
    translate([4.4, -5.5]) square([3.2, 11]);
  }
  for (a = [45:90:315]) rotate(a) translate([5.6, -1.2]) square([2.6, 2.4]);
}
