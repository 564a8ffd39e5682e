// Held-out shape: a grid of 1.2 mm ribs on a 6.4 mm pitch over a 1.2 mm floor (centre beads, split at every junction)
union(){ cube([40,40,1.2]); for(i=[0:6]) { translate([i*6.4,0,0]) cube([1.2,40,8]); translate([0,i*6.4,0]) cube([40,1.2,8]); } }
