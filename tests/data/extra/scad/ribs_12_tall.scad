union(){ cube([50,50,1.2]); for(i=[0:6]) { translate([i*8,0,0]) cube([1.2,49,15]); translate([0,i*8,0]) cube([49,1.2,15]); } }
