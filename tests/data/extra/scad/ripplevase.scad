// a vase 80 mm tall whose radius ripples by 3 mm every 20 mm, 1.6 mm walls, a 1.2 mm floor
$fn = 96;
function r(z) = 25 + 3 * sin(z * 18);
rotate_extrude() polygon(concat([[0, 0]], [for (z = [0:2:80]) [r(z), z]], [for (z = [80:-2:1.2]) [r(z) - 1.6, z]], [[0, 1.2]]));
