// a 60 x 30 x 15 block with eight slots 2.5 mm wide, 25 mm long and 12 mm deep for memory cards
difference() {
  cube([60, 30, 15]);
  for (i = [0:7]) translate([4 + i * 7, 2.5, 3]) cube([2.5, 25, 13]);
}
