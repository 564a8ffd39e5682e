// a spool: two 60 mm flanges 2 mm thick on a 20 mm hub 30 mm long, 8 mm bore
$fn = 96;
difference() { union() { cylinder(d=60, h=2); cylinder(d=20, h=34); translate([0,0,32]) cylinder(d=60, h=2); } translate([0,0,-1]) cylinder(d=8, h=40); }
