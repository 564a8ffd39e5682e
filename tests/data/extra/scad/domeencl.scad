// an enclosure with a domed roof: 60 mm cylinder 2 mm wall, hemispherical shell on top, 2 mm floor
$fn=72;
difference(){
 union(){ cylinder(d=60,h=20); translate([0,0,20]) sphere(d=60); }
 translate([0,0,2]) cylinder(d=56,h=18.01); translate([0,0,20]) sphere(d=56);
 translate([0,0,-50]) cylinder(d=200,h=50);
}
