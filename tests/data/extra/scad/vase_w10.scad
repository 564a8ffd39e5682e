// vase with other parameters: OD 50, 80 mm tall, 1.0 mm wall, 1.0 mm floor
$fn = 96; r = 25; h = 80; w = 1.0;
difference() {
  cylinder(r = r, h = h);
  translate([0, 0, w]) cylinder(r = r - w, h = h);
}
