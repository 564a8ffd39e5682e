// a napkin ring: a 45 mm ring of 2.4 mm wall, 30 mm tall, with twelve 5 mm round holes through it in two rows
$fn = 96;
difference() {
  cylinder(d = 45, h = 30);
  translate([0, 0, -1]) cylinder(d = 40.2, h = 32);
  for (i = [0:11]) rotate(i * 30 + (i % 2) * 15) translate([0, 0, i % 2 ? 20 : 10]) rotate([0, 90, 0]) cylinder(d = 5, h = 30, $fn = 24);
}
