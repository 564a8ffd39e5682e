linear_extrude(5) text("PRINT", size=25, font="Liberation Sans:style=Bold");
