// a round tube of 2.4 mm walls, 60 mm across, 20 mm tall: a sparse band under a millimetre wide
$fn=180; difference(){ cylinder(h=20, r=30); translate([0,0,-1]) cylinder(h=22, r=27.6); }
