// a 60 x 60 terrain tile: smooth hills from 3 to 13 mm on a flat base, one grid of 1.5 mm squares
n = 40; s = 1.5;
function h(i, j) = 8 + 3 * sin(i * 13) * cos(j * 11) + 2 * sin((i + 2 * j) * 7);
top = [for (j = [0:n]) for (i = [0:n]) [i * s, j * s, h(i, j)]];
bot = [for (j = [0:n]) for (i = [0:n]) [i * s, j * s, 0]];
N = (n + 1) * (n + 1);
function id(i, j) = j * (n + 1) + i;
faces = concat(
  [for (j = [0:n - 1]) for (i = [0:n - 1]) each [[id(i, j), id(i + 1, j), id(i + 1, j + 1)], [id(i, j), id(i + 1, j + 1), id(i, j + 1)]]],
  [for (j = [0:n - 1]) for (i = [0:n - 1]) each [[N + id(i, j), N + id(i + 1, j + 1), N + id(i + 1, j)], [N + id(i, j), N + id(i, j + 1), N + id(i + 1, j + 1)]]],
  [for (i = [0:n - 1]) each [[id(i, 0), N + id(i, 0), N + id(i + 1, 0)], [id(i, 0), N + id(i + 1, 0), id(i + 1, 0)]]],
  [for (i = [0:n - 1]) each [[id(i, n), id(i + 1, n), N + id(i + 1, n)], [id(i, n), N + id(i + 1, n), N + id(i, n)]]],
  [for (j = [0:n - 1]) each [[id(0, j), id(0, j + 1), N + id(0, j + 1)], [id(0, j), N + id(0, j + 1), N + id(0, j)]]],
  [for (j = [0:n - 1]) each [[id(n, j), N + id(n, j), N + id(n, j + 1)], [id(n, j), N + id(n, j + 1), id(n, j + 1)]]]);
polyhedron(points = concat(top, bot), faces = faces);
