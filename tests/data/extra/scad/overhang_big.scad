module ramp(a) rotate([90, 0, 0]) linear_extrude(20) polygon([[0, 0], [8, 0], [8 + 20*tan(a), 20], [0, 20]]);
cube([120, 20, 6]); translate([4, 20, 6]) ramp(20); translate([44, 20, 6]) ramp(40); translate([84, 20, 6]) ramp(55);
