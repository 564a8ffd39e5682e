// a fluted column: a 30 mm cylinder, 60 mm tall, with 16 half-round flutes cut into it and a square base plate
$fn = 96;
cube([40, 40, 3], center = false);
translate([20, 20, 3]) difference() {
  cylinder(r = 15, h = 60);
  for (i = [0:15]) rotate(i * 22.5) translate([15.3, 0, 4]) cylinder(r = 2.2, h = 52, $fn = 24);
}
