cylinder(r=9.2,h=6,$fn=6); translate([0,0,6]) linear_extrude(height=30, twist=-30*360/1.5, slices=300) translate([0.4,0]) circle(r=4.6,$fn=30);
