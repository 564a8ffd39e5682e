cube([60,14,1.2]); translate([3,3,1.2]) linear_extrude(1) text("SERIAL 0042", size=7, font="Liberation Mono:style=Bold");
