cube([70,16,1]); translate([2,3,1]) linear_extrude(3) text("abc 123", size=10, font="DejaVu Sans:style=ExtraLight");
