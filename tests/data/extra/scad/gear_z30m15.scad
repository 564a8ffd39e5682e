// Variant of shared gear.scad: 30 teeth, module 1.5, 6 mm thick
$fn = 64; z = 30; m = 1.5; th = 6;
rp = z*m/2; ra = rp + m; rf = rp - 1.25*m;
module tooth() {
  // trapezoidal approximation of an involute tooth
  w_root = 3.14159*m*0.62; w_tip = 3.14159*m*0.28;
  polygon([[-w_root/2, rf - 0.5], [w_root/2, rf - 0.5], [w_tip/2, ra], [-w_tip/2, ra]]);
}
difference() {
  linear_extrude(th) union() {
    circle(r = rf);
    for (i = [0:z-1]) rotate(i*360/z) tooth();
  }
  translate([0, 0, -1]) cylinder(d = 8, h = th + 2);
  translate([-1.5, 3, -1]) cube([3, 2, th + 2]);
  for (i = [0:3]) rotate(45 + i*90) translate([rp*0.55, 0, -1]) cylinder(d = 8, h = th + 2);
}
