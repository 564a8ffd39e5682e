for(i=[0:7]) translate([i*6,0,0]) cube([6,30,4+i*4]);
