// a hemispherical shell of 1.6 mm walls, 60 mm across, with eight 2 mm ribs outside
$fn = 96;
difference() { sphere(r = 30); sphere(r = 28.4); translate([-40, -40, -40]) cube([80, 80, 40]); }
intersection() {
    difference() { sphere(r = 32); sphere(r = 29.5); translate([-40, -40, -40]) cube([80, 80, 40]); }
    for (i = [0:7]) rotate(i * 45) translate([-1, 0, 0]) cube([2, 40, 40]);
}
