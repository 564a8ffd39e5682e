// a round badge: a 50 mm disc 2 mm thick with a 1 mm raised ring and a star
$fn=96; cylinder(d=50, h=2); translate([0,0,2]) difference(){ cylinder(d=50,h=1); translate([0,0,-1]) cylinder(d=46,h=3); }
translate([0,0,2]) linear_extrude(1) polygon([for (i=[0:9]) let(r = i%2 ? 7 : 16, a = 90 + i*36) [r*cos(a), r*sin(a)]]);
