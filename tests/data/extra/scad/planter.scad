// a square planter: 70 mm at the top, 50 mm at the foot, 60 mm tall, 1.6 mm walls, a 2 mm floor with a drain hole
difference() {
  hull() { translate([-25, -25, 0]) cube([50, 50, 0.1]); translate([-35, -35, 60]) cube([70, 70, 0.1]); }
  hull() { translate([-23.2, -23.2, 2]) cube([46.4, 46.4, 0.1]); translate([-33.4, -33.4, 60.2]) cube([66.8, 66.8, 0.1]); }
  translate([0, 0, -1]) cylinder(d = 8, h = 4, $fn = 32);
}
