// a shallow dish: 120 mm across, 12 mm tall, walls flaring 30 degrees from vertical, 1.6 mm thick, on a 2 mm floor
$fn = 120;
difference() {
  cylinder(h = 12, r1 = 53, r2 = 53 + 12 * tan(30));
  translate([0, 0, 2]) cylinder(h = 10.01, r1 = 53 - 1.6 / cos(30) + 2 * tan(30), r2 = 53 + 12 * tan(30) - 1.6 / cos(30));
}
