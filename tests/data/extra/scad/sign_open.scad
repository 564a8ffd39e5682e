difference(){ cube([150,50,3]); translate([4,4,2]) cube([142,42,2]); }
translate([10,12,2]) linear_extrude(1.5) text("OPEN 24/7", size=22, font="Liberation Sans:style=Bold");
