// Held-out shape: lycyl (tests/data/extra/make.py --scad): a cylinder of radius 12 lying on its side, 50 mm long
translate([0,0,12]) rotate([0,90,0]) cylinder(r=12, h=50, $fn=96);
