$fn=8; difference(){ cylinder(r1=60,r2=35,h=90); translate([0,0,-0.01]) cylinder(r1=59,r2=34,h=90.02); }
