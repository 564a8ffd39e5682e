// Held-out shape: ramp (tests/data/extra/make.py --scad): a 10-degree slope, 60 x 30 mm, whose layers each
// leave a 1.1 mm top strip (margins and shells on a shallow slope)
rotate([90,0,0]) linear_extrude(30) polygon([[0,0],[60,0],[60,60*tan(10)]]);
