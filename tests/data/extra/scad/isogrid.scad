s=20; h=6; t=1.6;
difference(){ cube([120,80,h]);
 for(i=[0:8]) for(j=[0:5]) translate([i*s*0.5 + (j%2)*s*0.25, j*s*0.433, 1.5]) linear_extrude(h) offset(r=-t/2) polygon([[0,0],[s*0.5,0],[s*0.25,s*0.433]]);
}
