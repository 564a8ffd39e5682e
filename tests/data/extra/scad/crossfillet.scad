// a plus-shaped extrusion of 3 mm arms, 40 mm across, 25 mm tall, with 2 mm fillets in its corners
linear_extrude(25) offset(r = -2) offset(delta = 2) union() { square([40, 3], center = true); square([3, 40], center = true); }
