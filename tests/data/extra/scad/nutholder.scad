// a 70 x 30 x 12 block with hexagonal pockets for M3 to M10 nuts, 8 mm deep
sizes = [5.5, 7, 8, 10, 13, 17];
difference() {
    cube([70, 30, 12]);
    for (i = [0:5]) translate([6 + i * 11.5 - (i > 3 ? 0 : 0) + (i > 3 ? (i - 3) * 1.5 : 0), 15, 4])
        cylinder(d = sizes[i] / cos(30) + 0.3, h = 10, $fn = 6);
}
