// a bin with rounded compartments, 1.2 mm walls
$fn=40; difference(){ cube([84,42,30]); for(i=[0:2]) for(j=[0:1]) translate([1.2+i*27.6,1.2+j*20.4,1.2]) hull(){ for(x=[4,22.8]) for(y=[4,15.2]) translate([x,y,0]) cylinder(r=4,h=40); } }
