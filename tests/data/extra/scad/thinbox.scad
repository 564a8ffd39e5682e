// a box of 0.45 mm walls (one extrusion wide) and a 1 mm floor
difference(){ cube([40,30,25]); translate([0.45,0.45,1]) cube([39.1,29.1,30]); }
