module star(r1,r2){ polygon([for(i=[0:9]) let(r=i%2?r2:r1, a=i*36) [r*cos(a),r*sin(a)]]); }
linear_extrude(12) difference(){ star(40,18); offset(r=-0.8) star(40,18); }
linear_extrude(2) difference(){ offset(r=4) star(40,18); offset(r=-0.8) star(40,18); }
