linear_extrude(height=30, twist=-360, slices=150) translate([12,0]) square([4,3],center=true);
