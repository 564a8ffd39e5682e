$fn=90;
difference(){ sphere(r=35); sphere(r=33); translate([-50,-50,-100]) cube([100,100,100]); }
