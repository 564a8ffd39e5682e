// a hexagonal ring of 1.4 mm walls (120-degree corners: 1.50 mm across, one centre loop)
linear_extrude(20) difference(){ circle(r=30,$fn=6); offset(delta=-1.4) circle(r=30,$fn=6); }
