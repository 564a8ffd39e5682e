// a spool holder: a 70 x 40 mm base 4 mm thick, two 4 mm uprights 50 mm tall with round notches, a 10 mm rod across them 46 mm up
$fn = 48;
cube([70, 40, 4]);
for (x = [0, 66]) difference() { cube([4, 40, 50]); translate([-1, 20, 46]) rotate([0, 90, 0]) cylinder(d = 11, h = 6); }
translate([-2, 20, 46]) rotate([0, 90, 0]) cylinder(d = 10, h = 74);
