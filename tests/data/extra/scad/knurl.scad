linear_extrude(height=25, twist=30, slices=50) offset(r=0.4) circle(r=15,$fn=36);
translate([0,0,25]) cylinder(r1=15,r2=6,h=10,$fn=60);
