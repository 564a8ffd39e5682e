// an 80 x 60 x 4 plate with 60 holes of 2 to 8 mm at seeded random places (overlaps allowed)
$fn = 32;
pts = rands(4, 76, 60, 7); qs = rands(4, 56, 60, 11); ds = rands(2, 8, 60, 13);
difference() { cube([80, 60, 4]); for (i = [0:59]) translate([pts[i], qs[i], -1]) cylinder(d = ds[i], h = 6); }
