// a post 8 mm across and 60 mm tall carrying eight discs 30 mm across and 1 mm thick, 7 mm apart
$fn = 64;
cylinder(r = 4, h = 60);
for (i = [0:7]) translate([0, 0, 4 + i * 7]) cylinder(r = 15, h = 1);
cylinder(r = 15, h = 1.2);
