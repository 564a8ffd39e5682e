linear_extrude(height=100, twist=180, slices=200, scale=1.4) difference(){ square(50,center=true); offset(delta=-1.6) square(50,center=true); }
linear_extrude(1.6) square(50,center=true);
