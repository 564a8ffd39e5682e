// a parts tray: 100 x 60 x 15, 1.6 mm walls and floor, a 3 x 2 grid of compartments
difference() { cube([100,60,15]); for (i=[0:2]) for (j=[0:1]) translate([1.6 + i*32.8, 1.6 + j*28.4, 1.6]) cube([31.2, 26.8, 15]); }
