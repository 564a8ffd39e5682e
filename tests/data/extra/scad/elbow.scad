// a 90 degree pipe elbow, 20 mm bore with 2 mm walls, bend radius 25, on its flange
$fn=48;
rotate([0,0,0]) { translate([0,0,0]) difference(){ cylinder(d=34,h=4); translate([0,0,-1]) cylinder(d=20,h=6);} }
translate([0,0,4]) difference(){
 translate([25,0,0]) rotate([90,0,0]) rotate_extrude(angle=90,$fn=64) translate([25,0]) difference(){circle(d=24);circle(d=20);}
}
