// a straight wall 60 mm long and 20 mm tall whose thickness runs from 0.5 to 3.0 mm, on a 3 mm foot
linear_extrude(20) polygon([[0, 0], [60, 0], [60, 3.0], [0, 0.5]]);
translate([-2, -3, 0]) cube([64, 9, 1]);
