// Held-out shape: a grid of 1.5 mm ribs (inner loops round each opening, no centre beads)
union(){ cube([40,40,1.2]); for(i=[0:5]) { translate([i*7.5,0,0]) cube([1.5,39,8]); translate([0,i*7.5,0]) cube([39,1.5,8]); } }
