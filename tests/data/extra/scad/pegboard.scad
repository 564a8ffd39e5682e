// 3 pegs on a base with chamfered tops
cube([70,20,3]);
for(x=[10,35,60]) translate([x,10,3]) { cylinder(r=4,h=30,$fn=40); translate([0,0,30]) cylinder(r1=4,r2=2,h=3,$fn=40);}
