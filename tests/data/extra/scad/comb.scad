// Held-out shape: a comb, 1.3 mm teeth on a 4 mm spine
union(){ cube([50,4,5]); for(i=[0:12]) translate([i*3.9,0,0]) cube([1.3,25,5]); }
