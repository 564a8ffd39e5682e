// Held-out shape: text (tests/data/extra/make.py --scad)
linear_extrude(6) text("PrintForge", size=12);
