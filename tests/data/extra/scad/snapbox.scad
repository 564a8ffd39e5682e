difference(){ cube([60,40,25]); translate([1.6,1.6,1.6]) cube([56.8,36.8,30]); translate([10,-1,18]) cube([8,4,3]); translate([42,-1,18]) cube([8,4,3]); }
for(x=[15,45]) translate([x,20,1.6]) difference(){ cylinder(r=3,h=10,$fn=30); cylinder(r=1.3,h=11,$fn=20); }
