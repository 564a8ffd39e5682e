// a maze of 1.2 mm walls 10 mm tall on a 60 x 60 x 2 mm base: T junctions, dead ends, corners
w = 1.2; c = 6; h = 10;
cube([60, 60, 2]);
// outer wall
translate([0, 0, 0]) difference() { cube([60, 60, h + 2]); translate([w, w, -1]) cube([60 - 2 * w, 60 - 2 * w, h + 4]); }
segs = [[0,1,3,0],[1,1,0,2],[2,0,0,3],[3,2,2,0],[4,0,0,2],[5,1,4,0],[6,3,0,3],[7,2,2,0],[8,0,0,4],
        [1,4,0,2],[2,6,3,0],[4,5,0,3],[6,7,3,0],[3,8,0,2],[7,4,0,2],[5,8,3,0],[8,6,0,3],[2,3,2,0],[1,7,0,2],[6,2,2,0]];
for (s = segs) translate([s[0] * c + c/2, s[1] * c + c/2, 0])
    cube([s[2] * c + w, s[3] * c + w, h + 2]);
