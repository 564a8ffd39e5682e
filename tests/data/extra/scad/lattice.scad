// a 40 mm cube lattice of 2 mm struts (open cells)
s=8; t=2;
for(i=[0:5]) for(j=[0:5]) { translate([i*s,j*s,0]) cube([t,t,40+t]); }
for(k=[0:5]) for(i=[0:5]) { translate([i*s,0,k*s]) cube([t,40+t,t]); translate([0,i*s,k*s]) cube([40+t,t,t]); }
