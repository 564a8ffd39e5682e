// a helical spring: 2 mm wire, 16 mm coil, 6 turns
linear_extrude(height=36, twist=-6*360, slices=360) translate([8,0]) circle(r=1.2,$fn=16);
