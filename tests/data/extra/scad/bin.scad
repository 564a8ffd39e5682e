// storage bin: 1.2 mm walls, 2 mm floor, two dividers
difference(){ cube([84,42,40]); translate([1.2,1.2,2]) cube([81.6,39.6,40]); }
for(x=[28,56]) translate([x-0.6,0,0]) cube([1.2,42,30]);
