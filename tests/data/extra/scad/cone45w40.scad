// a conical shell, walls 4.0 mm across (horizontally) leaning 45 degrees from the bed, 20 mm tall, open both ends
$fn=180; H=20; phi=45; W=4.0; R=30; d=H/tan(phi);
difference(){ cylinder(h=H, r1=R, r2=R+d); translate([0,0,-0.01]) cylinder(h=H+0.02, r1=R-W-0.01/tan(phi), r2=R-W+d+0.01/tan(phi)); }
