// a fine gear: 48 teeth of module 0.6, 6 mm thick, a 5 mm bore
m = 0.6; z = 48; $fn = 8;
r = m * z / 2;
difference() {
    union() {
        cylinder(r = r - 1.25 * m, h = 6, $fn = 144);
        for (i = [0:z - 1]) rotate(i * 360 / z) translate([r - 1.45 * m, 0, 0])
            linear_extrude(6) polygon([[0, -0.8 * m], [2.45 * m, -0.35 * m], [2.45 * m, 0.35 * m], [0, 0.8 * m]]);
    }
    translate([0, 0, -1]) cylinder(d = 5, h = 8, $fn = 48);
}
