$fn=100; difference(){ cylinder(r1=35,r2=45,h=70); translate([0,0,3]) cylinder(r1=33,r2=43,h=70); for(i=[0:5]) rotate(i*60) translate([15,0,-1]) cylinder(r=2.5,h=5,$fn=20); }
