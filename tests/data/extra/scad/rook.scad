// a chess rook: lathe body, crenellated top with four slots, hollow top cup
$fn=64;
difference(){
 rotate_extrude() polygon([[0,0],[14,0],[14,3],[11,5],[8,8],[7,25],[10,28],[10,36],[0,36]]);
 translate([0,0,31]) cylinder(r=6.5,h=10);
 for(a=[0,45,90,135]) rotate([0,0,a]) translate([-1.5,-15,32]) cube([3,30,10]);
}
