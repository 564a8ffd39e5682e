// a round tray: 140 mm across, 2.4 mm floor, 2 mm rim 12 mm tall
$fn = 120;
difference() {
  cylinder(r = 70, h = 12);
  translate([0, 0, 2.4]) cylinder(r = 68, h = 12);
}
