// M10-ish bolt: hex head and a helical thread from a twisted off-centre profile
$fn=32; cylinder(r=9.2,h=6,$fn=6); translate([0,0,6]) linear_extrude(height=30, twist=-30/1.5*360, slices=200) translate([0.4,0]) circle(r=4.6);
