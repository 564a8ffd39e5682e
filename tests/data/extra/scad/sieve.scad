// a round sieve: 80 mm dish of 2 mm walls, 20 mm tall, its 2 mm floor a grid of 3 mm square holes
$fn = 120;
difference() {
    cylinder(d = 80, h = 20);
    translate([0, 0, 2]) cylinder(d = 76, h = 20);
    for (x = [-33:5:33], y = [-33:5:33]) if (x * x + y * y < 34 * 34) translate([x - 1.5, y - 1.5, -1]) cube([3, 3, 4]);
}
