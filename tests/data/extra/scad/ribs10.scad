// Held-out shape: a grid of 1.0 mm ribs (two external beads, no centre bead)
union(){ cube([40,40,1.2]); for(i=[0:6]) { translate([i*6.4,0,0]) cube([1.0,39.4,8]); translate([0,i*6.4,0]) cube([39.4,1.0,8]); } }
