// intersection of three 30 mm cylinders at right angles (curved faces meeting in edges), on a 1 mm flat
$fn = 96;
translate([0, 0, 14]) intersection() {
    cylinder(d = 30, h = 40, center = true);
    rotate([90, 0, 0]) cylinder(d = 30, h = 40, center = true);
    rotate([0, 90, 0]) cylinder(d = 30, h = 40, center = true);
}
