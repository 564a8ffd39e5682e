// a 120 mm tall 6 mm square post with a 20 mm foot
cube([20,20,3]); translate([7,7,0]) cube([6,6,120]);
