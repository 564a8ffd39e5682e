// a 100 mm arrow sign 4 mm thick with a 1 mm raised border 1.2 mm wide
module arrow(o) { offset(delta = o) polygon([[0, 10], [65, 10], [65, 22], [100, 0], [65, -22], [65, -10], [0, -10]]); }
linear_extrude(height = 4) arrow(0);
linear_extrude(height = 5) difference() { arrow(0); arrow(-1.2); }
