// a 2x4 brick: 1.2 mm walls, studs on top, tubes underneath
$fn=40; P=8; L=4*P-0.2; W=2*P-0.2; H=9.6;
difference(){ cube([L,W,H]); translate([1.2,1.2,-1]) cube([L-2.4,W-2.4,H-1+ -1]); }
for(i=[0:3]) for(j=[0:1]) translate([P/2+i*P-0.1,P/2+j*P-0.1,H]) cylinder(d=4.8,h=1.8);
for(i=[1:3]) translate([i*P-0.1,W/2,0]) difference(){ cylinder(d=6.51,h=H-1); translate([0,0,-1]) cylinder(d=4.8,h=H); }
