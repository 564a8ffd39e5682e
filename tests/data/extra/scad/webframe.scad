// a 50 x 50 frame of 2 mm walls, 30 mm tall, with a plus of 1.2 mm webs and a diagonal 1.2 mm web
difference() { cube([50, 50, 30]); translate([2, 2, -1]) cube([46, 46, 32]); }
translate([24.4, 0, 0]) cube([1.2, 50, 30]);
translate([0, 24.4, 0]) cube([50, 1.2, 30]);
intersection() { cube([50, 50, 30]); translate([25, 25, 0]) rotate(45) translate([0, -0.6, 0]) cube([36, 1.2, 30]); }
