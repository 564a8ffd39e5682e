$fn=120;
translate([0,0,50]) difference(){ sphere(r=50); sphere(r=48.4); translate([-60,-60,-20]) cube([120,120,80]); translate([-60,-60,-80]) cube([120,120,31]); }
