difference(){ cube(30); translate([7,7,7]) cube(16); translate([15,15,-1]) cylinder(r=3,h=10,$fn=30); }
