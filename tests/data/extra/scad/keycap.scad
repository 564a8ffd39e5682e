// a keycap: an 18 mm tapered shell of 1.2 mm walls with a cross stem inside
$fn = 4;
difference() { hull() { translate([0,0,0]) cube([18,18,0.1], center=true); translate([0,0,8]) cube([13,13,0.1], center=true); }
  hull() { translate([0,0,-0.1]) cube([15.6,15.6,0.1], center=true); translate([0,0,6.8]) cube([10.6,10.6,0.1], center=true); } }
translate([0,0,3.5]) difference() { cylinder(d=5.5, h=3.5, $fn=32); translate([-2,-0.6,-1]) cube([4,1.2,5]); translate([-0.6,-2,-1]) cube([1.2,4,5]); }
