// seven hexagonal tiles 20 mm across and 3 mm tall in a flower, 0.6 mm apart
for (p = [[0, 0], for (i = [0:5]) [18.0 * cos(i * 60 + 30), 18.0 * sin(i * 60 + 30)]]) translate(p) cylinder(r = 10 - 0.35, h = 3, $fn = 6);
