$fn=60; difference(){ hull(){ cube([40,20,1]); translate([10,5,39]) cube([20,10,1]); } hull(){ translate([1.2,1.2,-0.1]) cube([37.6,17.6,1]); translate([11.2,6.2,39.2]) cube([17.6,7.6,1]); } }
