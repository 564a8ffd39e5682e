#!/usr/bin/env bash
# Estimator volumes by feature against PrusaSlicer's G-code: where the weight error of each mesh comes from.
# PrusaSlicer 2.5 slices each mesh with tests/data/profile_prusa.ini; the extrusion of every G1 move with X or Y
# is summed per ";TYPE:" (retractions and their restores, E-only moves, are left out, so the sums add up to
# the G-code's "filament used"), and set beside `printforge quote --json`'s volumes_cm3. Meshes: the shared
# ones, a few held-out plain shapes, and a 30 mm cube turned 0, 10, 30 and 45 degrees about Z (written here),
# which only the orientation of the walls tells apart. Puts the "## Estimator features" section into
# bench/RESULTS.md.
# usage: bench/run_features.sh [INFILL ...]   (default 0 20; needs prusa-slicer; a Release build)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
command -v prusa-slicer >/dev/null || { echo "prusa-slicer is not installed (apt-get install prusa-slicer)" >&2; exit 1; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target printforge >/dev/null
bench_init
infills="${*:-0 20}"
python3 - build/printforge "$tmp" "$infills" <<'PY'
import json, math, os, re, struct, subprocess, sys, time
exe, tmp, infills = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3].split()]
A = math.pi * 0.875 ** 2 / 1000  # cm³ per mm of 1.75 mm filament
# PrusaSlicer's feature types → the estimator's volume keys
KEY = {"External perimeter": "external_perimeter", "Overhang perimeter": "external_perimeter",
       "Perimeter": "perimeter", "Solid infill": "solid", "Top solid infill": "solid",
       "Bridge infill": "solid", "Internal infill": "infill", "Support material": "support",
       "Support material interface": "support"}
KEYS = ["external_perimeter", "perimeter", "solid", "infill"]


def cube_turned(path, deg):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    v = [(x, y, z) for z in (0, 30) for y in (-15, 15) for x in (-15, 15)]
    v = [(x * c - y * s, x * s + y * c, z) for x, y, z in v]
    f = [(0, 2, 3), (0, 3, 1), (4, 5, 7), (4, 7, 6), (0, 1, 5), (0, 5, 4), (2, 6, 7), (2, 7, 3), (0, 4, 6),
         (0, 6, 2), (1, 3, 7), (1, 7, 5)]
    with open(path, "wb") as o:
        o.write(b"\0" * 80 + struct.pack("<I", len(f)))
        for t in f:
            o.write(struct.pack("<3f", 0, 0, 0))
            for i in t:
                o.write(struct.pack("<3f", *v[i]))
            o.write(b"\0\0")


def gcode_volumes(path):
    vol, t = {}, None
    for line in open(path):
        if line.startswith(";TYPE:"):
            t = line[6:].strip()
        elif line.startswith("G1 ") and " E" in line and (" X" in line or " Y" in line):
            e = float(re.search(r" E(-?[\d.]+)", line).group(1))
            if e > 0:
                vol[t] = vol.get(t, 0.0) + e * A
    out = dict.fromkeys(KEYS + ["other"], 0.0)
    for t, x in vol.items():
        out[KEY.get(t, "other")] += x
    return out


meshes = [(m, "tests/data/%s.stl" % m) for m in
          ["cube20", "box_lid", "bracket", "gear", "vase", "sphere", "torus", "overhang", "thinwall", "plate150",
           "tower", "enclosure", "bumpy_10k", "bumpy_100k"]]
meshes += [(m, "tests/data/extra/%s.stl" % m) for m in ["cyl_solid", "cone", "pyramid", "dome", "column"]]
for deg in (0, 10, 30, 45):
    p = os.path.join(tmp, "cube30_turned%d.stl" % deg)
    cube_turned(p, deg)
    meshes.append(("cube30 turned %d°" % deg, p))

rows, sums = [], {}
for pct in infills:
    for name, path in meshes:
        g = os.path.join(tmp, "out.gcode")
        subprocess.run(["prusa-slicer", "--export-gcode", "--load", "tests/data/profile_prusa.ini", "--fill-density",
                        "%d%%" % pct] + (["--fill-pattern", "rectilinear"] if pct == 100 else []) + [path, "-o", g],
                       capture_output=True, check=True)
        ps = gcode_volumes(g)
        pf = json.loads(subprocess.run([exe, "quote", path, "--json", "--infill", str(pct)], capture_output=True,
                                       text=True, check=True).stdout)["volumes_cm3"]
        cells = ["%s | %d" % (name, pct)]
        for k in KEYS:
            a, b = ps[k], pf.get(k, 0.0)
            err = "%+.1f %%" % ((b - a) / a * 100) if a > 0.005 else ""
            cells.append("%.3f | %.3f | %s" % (a, b, err))
            if a > 0.005 and pct == infills[0]:
                sums.setdefault(k, []).append((b - a) / a * 100)
        tp, tf = sum(ps.values()), sum(pf.get(k, 0.0) for k in KEYS + ["support"])
        cells.append("%.3f | %.3f | %+.1f %%" % (tp, tf, (tf - tp) / tp * 100))
        rows.append("| " + " | ".join(cells) + " |")
        print(rows[-1], file=sys.stderr)
lines = ["## Estimator features", "",
         "`bench/run_features.sh` on %s (load %s): volumes (cm³) by feature, PrusaSlicer 2.5's G-code against "
         "`printforge quote --json` (SIMD backend). PrusaSlicer's external perimeter includes its overhang "
         "perimeter; its solid is solid + top solid + bridge infill. The last three rows' cube is the same 30 mm "
         "cube, only turned about Z." % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                          open("/proc/loadavg").read().split()[0]), "",
         "| mesh | infill % | ext. perimeter PS | ours | err | perimeter PS | ours | err | solid PS | ours | err "
         "| sparse infill PS | ours | err | total PS | ours | err |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"] + rows + [""]
med = lambda v: sorted(v)[len(v) // 2]
lines.append("At %d %% infill, the median error by feature: %s." % (infills[0], ", ".join(
    "%s %+.1f %% (%d meshes)" % (k.replace("_", " "), med(v), len(v)) for k, v in sums.items())))
open(os.path.join(tmp, "section.md"), "w").write("\n".join(lines) + "\n")
PY
put_section "Estimator features" "$tmp/section.md"
tail -1 "$tmp/section.md"
