$fn = 32; L = 180; W = 120; H = 40; r = 6; w = 2.4;
module rbox(l, w_, h, rr) hull() for (x = [rr, l - rr]) for (y = [rr, w_ - rr]) translate([x, y, 0]) cylinder(r = rr, h = h);
difference() { rbox(L, W, H, r); translate([w, w, w]) rbox(L - 2*w, W - 2*w, H, r - w); }
