// a pagoda: five discs of decreasing radius, each 4 mm thick, on posts; top and bottom surfaces at many heights
$fn = 64;
for (i = [0:4]) translate([0, 0, i * 9]) {
    cylinder(r = 30 - 5 * i, h = 4);
    cylinder(r = 12 - 1.5 * i, h = 9);
}
