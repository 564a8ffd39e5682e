// an S hook of 4 mm round wire laid flat
$fn=32; rotate_extrude(angle=270) translate([12,0]) circle(d=4); translate([0,-24,0]) rotate([0,0,180]) rotate_extrude(angle=270) translate([12,0]) circle(d=4);
