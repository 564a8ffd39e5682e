// an open box of 1.3 mm walls: the centre bead splits at each inner corner (1.52 mm across)
difference(){ cube([60,40,20]); translate([1.3,1.3,-1]) cube([60-2*1.3,40-2*1.3,22]); }
