// a square pyramid 70 mm across with 15-degree faces
polyhedron(points = [[-35, -35, 0], [35, -35, 0], [35, 35, 0], [-35, 35, 0], [0, 0, 35 * tan(15)]],
           faces = [[0, 1, 4], [1, 2, 4], [2, 3, 4], [3, 0, 4], [0, 3, 2, 1]]);
