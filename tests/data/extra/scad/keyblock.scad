difference(){ cube([90,30,25]); for(i=[0:8]) translate([6+i*9.6,15,5]) cylinder(r=1.5+i*0.35,h=30,$fn=6); }
