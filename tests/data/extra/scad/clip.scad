// a C clip: thin 1.6 mm curved band
$fn=96; linear_extrude(8) difference(){ circle(r=10); circle(r=8.4); translate([0,-3]) square([12,6]); }
