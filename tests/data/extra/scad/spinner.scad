// a three-lobed spinner, 7 mm thick: a 22 mm bearing seat in the middle and in each lobe, joined by 3 mm rims
$fn = 64;
difference() {
  hull() for (a = [0, 120, 240]) rotate(a) translate([0, 0, 0]) cylinder(d = 30, h = 7);
  translate([0, 0, -1]) cylinder(d = 22, h = 9);
}
for (a = [0, 120, 240]) rotate(a) translate([32, 0, 0]) difference() { cylinder(d = 28, h = 7); translate([0, 0, -1]) cylinder(d = 22, h = 9); }
for (a = [0, 120, 240]) rotate(a) translate([13, -4, 0]) difference() { cube([7, 8, 7]); }
