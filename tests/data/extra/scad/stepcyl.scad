$fn=100;
for(i=[0:5]) translate([0,0,i*6]) cylinder(r=40-6*i,h=6);
