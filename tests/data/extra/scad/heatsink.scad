cube([40,40,3]); for(i=[0:9]) translate([1.5+i*4,0,0]) cube([1.0,40,20]);
