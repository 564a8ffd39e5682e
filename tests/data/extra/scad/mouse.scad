$fn=90; difference(){ scale([1.6,1,0.7]) sphere(r=30); translate([-100,-100,-200]) cube(200); scale([1.6,1,0.7]) sphere(r=28); }
