// a spiral staircase: 24 steps of 15 degrees round a 10 mm column, each 2 mm thick and 3 mm higher than the last, 30 mm long
$fn = 48;
cylinder(d = 10, h = 76);
for (i = [0:23]) rotate(i * 15) translate([0, 0, i * 3]) rotate(-7.5) intersection() {
  cylinder(r = 35, h = 2);
  translate([0, -0.01, 0]) cube([40, 40 * tan(15), 2]);
}
