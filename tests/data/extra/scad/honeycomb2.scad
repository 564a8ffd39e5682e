// hex honeycomb panel with 1 mm walls, 8 mm cells, 10 mm tall
h=10; c=8; w=1;
difference(){ cube([60,52,h]); for(i=[0:7]) for(j=[0:7]) translate([4+i*c*0.866*2*0.5*1.73+ (j%2)*c*0.75*0, 4+j*c*0.75*0.866*1.15 + 0, -1]) ; 
 for(i=[0:7]) for(j=[0:6]) translate([5+i*7.4+(j%2)*3.7, 5+j*6.4, -1]) cylinder(r=(6.4-w)/1.732*1.0, h=h+2, $fn=6); }
