// a fan impeller: 8 curved 1.2 mm blades on a hub with a 5 mm bore, on a 2 mm disc
$fn=64;
difference(){ union(){ cylinder(d=50,h=2); cylinder(d=14,h=12);
 for(a=[0:45:315]) rotate([0,0,a]) linear_extrude(height=12) intersection(){ difference(){ translate([12,0]) circle(r=13); translate([12,0]) circle(r=11.8);} translate([-30,0]) square([60,30]); circle(d=50);} }
 translate([0,0,-1]) cylinder(d=5,h=20); }
