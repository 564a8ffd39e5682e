// a closed hollow ball 40 mm across with 2 mm walls, flattened 1 mm at the bottom (its cavity's roof is a dome over air)
$fn = 96;
intersection() {
  translate([0, 0, 19]) difference() { sphere(d = 40); sphere(d = 36); }
  translate([-25, -25, 0]) cube([50, 50, 45]);
}
