intersection(){ cube([50,50,10]); union(){ cube([50,50,1.2]); for(i=[-8:8]) { translate([25+i*6,25,0]) rotate(45) translate([-0.7,-40,0]) cube([1.4,80,10]); } } }
