// a 25 mm cube tilted 30 degrees about X, cut flat 2 mm above its lowest edge (sloped faces of 30 and 60 degrees)
intersection() {
  translate([0, 0, -2]) rotate([30, 0, 0]) translate([0, 0, 0]) cube(25);
  translate([-5, -20, 0]) cube([40, 60, 40]);
}
