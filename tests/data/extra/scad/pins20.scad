// 20 pins of 4 mm on a plate
cube([60,50,2]); for(i=[0:4]) for(j=[0:3]) translate([8+i*11,8+j*11,2]) cylinder(r=2,h=15,$fn=24);
