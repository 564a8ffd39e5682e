// enclosure lid with vent slots and a lip
difference(){ cube([100,70,3]); for(i=[0:9]) translate([15+i*7,15,-1]) cube([3,40,5]); }
translate([2,2,3]) difference(){ cube([96,66,4]); translate([1.6,1.6,-1]) cube([92.8,62.8,6]); }
