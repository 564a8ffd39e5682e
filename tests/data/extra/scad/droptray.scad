// a 100 x 60 x 15 tray of 2 mm walls whose floor slopes from 3 to 1.5 mm toward one end
difference() {
  cube([100, 60, 15]);
  hull() { translate([2, 2, 3]) cube([0.01, 56, 13]); translate([97.99, 2, 1.5]) cube([0.01, 56, 14]); }
}
