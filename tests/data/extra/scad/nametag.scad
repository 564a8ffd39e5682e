cube([80,25,2]);
translate([5,5,2]) linear_extrude(1.5) text("PrintForge", size=10, font="Liberation Sans:style=Bold");
