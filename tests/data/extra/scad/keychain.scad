difference(){ hull(){ cylinder(r=6,h=3,$fn=40); translate([45,0,0]) cylinder(r=6,h=3,$fn=40);} translate([0,0,-1]) cylinder(r=2.5,h=5,$fn=30); }
translate([8,-4,3]) linear_extrude(1.5) text("KEYS", size=8, font="Liberation Sans:style=Bold");
