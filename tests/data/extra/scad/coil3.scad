linear_extrude(height=40, twist=-4*360, slices=320) translate([10,0]) circle(r=1.5,$fn=16);
