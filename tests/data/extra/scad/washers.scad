// a plate of 12 washers, 16 mm outer, 8.4 mm hole, 1.6 mm thick
$fn=48;
for(i=[0:3]) for(j=[0:2]) translate([i*20,j*20,0]) difference(){cylinder(d=16,h=1.6); translate([0,0,-1]) cylinder(d=8.4,h=4);}
