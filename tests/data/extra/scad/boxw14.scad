// an open box of 1.4 mm walls
difference(){ cube([60,40,20]); translate([1.4,1.4,-1]) cube([60-2*1.4,40-2*1.4,22]); }
