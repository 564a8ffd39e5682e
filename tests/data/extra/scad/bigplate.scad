// a 200 x 180 mm plate 2 mm thick with 4 corner holes
difference(){ cube([200,180,2]); for(x=[10,190]) for(y=[10,170]) translate([x,y,-1]) cylinder(r=2.5,h=4,$fn=24); }
