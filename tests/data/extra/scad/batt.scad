// an AA battery holder: 4x3 holes of 14.8 mm in a 70x52x20 block, 1 mm floor
$fn=40;
difference(){ cube([70,52,20]); for(i=[0:3]) for(j=[0:2]) translate([10+i*16.6,9+j*17,1]) cylinder(d=14.8,h=20); }
