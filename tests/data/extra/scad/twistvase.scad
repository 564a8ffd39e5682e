linear_extrude(height=80, twist=120, slices=160) difference(){ circle(r=30,$fn=7); offset(r=-2) circle(r=30,$fn=7); }
translate([0,0,0]) cylinder(r=26,h=1.6,$fn=7);
