linear_extrude(height=80, twist=60, slices=40, scale=1.4) difference(){ circle(r=25,$fn=7); circle(r=23.8,$fn=7); } cylinder(r=25,h=1.2,$fn=7);
