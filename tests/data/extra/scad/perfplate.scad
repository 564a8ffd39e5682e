$fn=24;
difference(){ cube([100,70,4]); for(x=[8:8:92]) for(y=[8:8:62]) translate([x,y,-1]) cylinder(r=2.5,h=6); }
