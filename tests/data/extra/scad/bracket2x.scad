// a large L bracket: 100 x 40 legs, 6 mm thick, a 45 degree gusset and four 6 mm holes
$fn = 48;
difference() {
    union() {
        cube([100, 40, 6]);
        cube([6, 40, 80]);
        translate([6, 17, 6]) rotate([90, 0, 0]) linear_extrude(6, center = true) polygon([[0, 0], [40, 0], [0, 40]]);
    }
    for (x = [30, 80]) translate([x, 20, -1]) cylinder(d = 6, h = 8);
    for (z = [35, 65]) translate([-1, 20, z]) rotate([0, 90, 0]) cylinder(d = 6, h = 8);
}
