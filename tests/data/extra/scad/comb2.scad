cube([60,6,4]); for(i=[0:19]) translate([1+i*3,6,0]) cube([1.3,20,4]);
