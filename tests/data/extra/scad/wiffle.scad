$fn=64; difference(){ sphere(r=25); sphere(r=23); for(a=[0:60:359]) rotate([0,0,a]) rotate([0,90,0]) cylinder(r=5,h=60,center=true); cylinder(r=5,h=60,center=true); }
