// a 120 x 40 door wedge rising to 25 mm, with six grip ribs 1.5 mm high across its slope
a = atan(25 / 120);
rotate([90, 0, 0]) translate([0, 0, -40]) linear_extrude(height = 40) polygon([[0, 0], [120, 0], [120, 25]]);
for (i = [1:6]) translate([i * 17, 0, i * 17 * 25 / 120]) rotate([0, -a, 0]) translate([-1, 0, -0.5]) cube([2, 40, 2]);
