// a flaring horn of 1.0 mm walls, 60 mm tall, radius 6 at the base to 30 at the top
$fn = 120;
rotate_extrude() polygon(concat([for (i = [0:30]) let(z = i * 2, r = 6 + 24 * pow(i / 30, 2.2)) [r, z]],
                                [for (i = [30:-1:0]) let(z = i * 2, r = 6 + 24 * pow(i / 30, 2.2) - 1.0 / cos(atan(24 * 2.2 * pow(i / 30, 1.2) / 60))) [r, z]]));
cylinder(r = 6, h = 1.2);
