difference(){ cube([70,25,4]); translate([5,6,2.5]) linear_extrude(2) text("SHOP 42", size=12, font="Liberation Sans:style=Bold"); }
