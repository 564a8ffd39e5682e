// Held-out shape: an organizer, 60 x 40 x 15, 1.2 mm walls and dividers (3 x 2 compartments)
difference(){ cube([60,40,15]); for(i=[0:2]) for(j=[0:1]) translate([1.2+i*19.6, 1.2+j*19.4, 1.2]) cube([18.4,18.2,20]); }
