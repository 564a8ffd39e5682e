linear_extrude(4) text("Forge", size=16, font="Liberation Serif");
