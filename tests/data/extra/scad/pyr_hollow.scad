// a hollow square pyramid: 60 mm base, 45 mm tall, walls 1.6 mm thick across, open at the bottom
difference() {
    linear_extrude(45, scale = 0.02) square(60, center = true);
    translate([0, 0, -0.01]) linear_extrude(45 - 45 * 1.6 / 30 * sqrt(1 + pow(45 / 30, 2)) / (45 / 30), scale = 0.02) square(60 - 2 * 1.6 * sqrt(1 + pow(30 / 45, 2)), center = true);
}
