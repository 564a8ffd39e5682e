// 20-tooth gear, module 2, 10 mm thick, with a hub
n=20; m=2; r=n*m/2;
difference(){ union(){ linear_extrude(10) union(){ circle(r=r-1.2*m,$fn=120); for(i=[0:n-1]) rotate(i*360/n) translate([r-1.5*m,0]) polygon([[0,-1.7],[2.5*m,-0.7],[2.5*m,0.7],[0,1.7]]); } cylinder(r=8,h=16,$fn=60);} translate([0,0,-1]) cylinder(r=4,h=20,$fn=40); }
