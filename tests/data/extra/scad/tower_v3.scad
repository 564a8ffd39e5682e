// tower with other parameters: 15x15 section, 120 mm tall, twisted 120 degrees
linear_extrude(height = 120, twist = 120, slices = 120) square([15, 15], center = true);
