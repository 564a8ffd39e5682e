// a relief plate: 1 to 3 mm thick on a 60 x 40 grid of sine heights
n=30; m=20; pts=[for(j=[0:m]) for(i=[0:n]) [i*2, j*2, 2+sin(i*24)*cos(j*18)]]; base=[for(j=[0:m]) for(i=[0:n]) [i*2,j*2,0]];
polyhedron(points=concat(pts,base), faces=concat(
 [for(j=[0:m-1]) for(i=[0:n-1]) each [[j*(n+1)+i, j*(n+1)+i+1, (j+1)*(n+1)+i+1], [j*(n+1)+i, (j+1)*(n+1)+i+1, (j+1)*(n+1)+i]]],
 [for(j=[0:m-1]) for(i=[0:n-1]) let(o=(m+1)*(n+1)) each [[o+j*(n+1)+i, o+(j+1)*(n+1)+i+1, o+j*(n+1)+i+1], [o+j*(n+1)+i, o+(j+1)*(n+1)+i, o+(j+1)*(n+1)+i+1]]],
 [for(i=[0:n-1]) let(o=(m+1)*(n+1)) each [[i, o+i, o+i+1], [i, o+i+1, i+1]]],
 [for(i=[0:n-1]) let(o=(m+1)*(n+1), r=m*(n+1)) each [[r+i, r+i+1, o+r+i+1], [r+i, o+r+i+1, o+r+i]]],
 [for(j=[0:m-1]) let(o=(m+1)*(n+1)) each [[j*(n+1), (j+1)*(n+1), o+(j+1)*(n+1)], [j*(n+1), o+(j+1)*(n+1), o+j*(n+1)]]],
 [for(j=[0:m-1]) let(o=(m+1)*(n+1), c=n) each [[j*(n+1)+c, o+j*(n+1)+c, o+(j+1)*(n+1)+c], [j*(n+1)+c, o+(j+1)*(n+1)+c, (j+1)*(n+1)+c]]]
));
