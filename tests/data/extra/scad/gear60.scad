// 60-tooth spur gear, module 1, 6 mm thick, 5 mm bore
n=60; m=1; r=n*m/2;
difference(){ linear_extrude(6) union(){ circle(r=r-1.2*m,$fn=180); for(i=[0:n-1]) rotate(i*360/n) translate([r-1.5*m,0]) polygon([[0,-0.85],[2.5*m,-0.35],[2.5*m,0.35],[0,0.85]]); } translate([0,0,-1]) cylinder(r=2.5,h=8,$fn=32); }
