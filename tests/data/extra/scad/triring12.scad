// a triangular ring of 1.2 mm walls (60-degree corners: 1.6 mm across)
linear_extrude(20) difference(){ circle(r=35,$fn=3); offset(delta=-1.2) circle(r=35,$fn=3); }
