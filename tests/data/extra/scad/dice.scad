$fn=24; difference(){ intersection(){ cube(16, center=true); sphere(r=11); } for(p=[[0,0,8],[4,4,-8],[-4,-4,-8],[8,4,4],[8,-4,-4],[8,0,0]]) translate(p) sphere(r=1.6); }
