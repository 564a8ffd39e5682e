// a pipe reducer: 32 mm tube 15 mm long, a 20 mm cone to a 22 mm tube 15 mm long, 2 mm walls
$fn = 96;
rotate_extrude() polygon([[14, 0], [16, 0], [16, 15], [11, 35], [11, 50], [9, 50], [9, 35], [14, 15]]);
