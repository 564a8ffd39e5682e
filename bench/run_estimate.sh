#!/usr/bin/env bash
# Builds Release, times PrusaSlicer on every estimator bench mesh in this same run (best of 3 wall, and that
# run's CPU time), runs build/bench_estimate with those times, and puts its "## Estimator" section into
# bench/RESULTS.md.
# usage: bench/run_estimate.sh [REPS] [BACKENDS]   (defaults 5 and simd,scalar,auto; bench_estimate's -n, -b)
# Without prusa-slicer the ratios fall back to reference.csv's slice_wall_s. /tmp/bumpy_1m.stl (1 M
# triangles, the file of reference.csv's bumpy_1m row) is made with ../shared/models/tools/meshtool.py when
# missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
reps="${1:-5}"
backends="${2:-simd,scalar,auto}"
models="cube20 box_lid bracket gear vase sphere torus overhang thinwall plate150 tower enclosure bumpy_10k bumpy_100k"
big=/tmp/bumpy_1m.stl
meshtool=../shared/models/tools/meshtool.py
[ -f "$meshtool" ] || meshtool=/work/shared/models/tools/meshtool.py
if [ ! -f "$big" ] && [ -f "$meshtool" ]; then
    python3 "$meshtool" procedural "$big" 1000000 >/dev/null
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target printforge bench_estimate >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
meshes=()
for m in $models; do meshes+=("tests/data/$m.stl"); done
[ -f "$big" ] && meshes+=("$big")

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
start="$(date -u '+%Y-%m-%d %H:%M UTC')"
prusa_note="PrusaSlicer is not installed: ratios are against reference.csv's slice_wall_s"
if command -v prusa-slicer >/dev/null; then
    prusa_note="$(prusa-slicer --help 2>&1 | grep -m1 -o "PrusaSlicer-[^ ]*" || echo PrusaSlicer)"
    # Best of 3 wall times per mesh and the CPU time (user + system, children) of that run.
    python3 - "$tmp/prusa.txt" "${meshes[@]}" <<'PY'
import os, resource, subprocess, sys, time
out = open(sys.argv[1], "w")
for mesh in sys.argv[2:]:
    name = os.path.basename(mesh).split(".")[0]
    best = None
    for _ in range(3):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(["prusa-slicer", "--export-gcode", "--load", "tests/data/profile_prusa.ini",
                            "--fill-density", "20%", "-o", "/tmp/pf_run_estimate.gcode", mesh],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        if p.returncode != 0:
            print("prusa-slicer failed on %s (exit %d)" % (mesh, p.returncode), file=sys.stderr)
            break
        if best is None or wall < best[0]:
            best = (wall, cpu)
    if best:
        out.write("%s %.3f %.3f\n" % (name, best[0], best[1]))
        print("prusa-slicer %-12s %.2f s (cpu %.2f s)" % (name, best[0], best[1]), file=sys.stderr)
out.close()
try:
    os.remove("/tmp/pf_run_estimate.gcode")
except OSError:
    pass
PY
    prusa_args=(--prusa "$tmp/prusa.txt")
else
    prusa_args=()
fi
load_mid="$(cut -d' ' -f1-3 /proc/loadavg)"
build/bench_estimate tests/data -n "$reps" -b "$backends" "${prusa_args[@]}" --md "$big" > "$tmp/table.md"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

{
    echo "## Estimator"
    echo
    echo "Machine: $cpu, $(nproc) cores online, shared with other jobs; $start. Load average (1/5/15 min) before"
    echo "PrusaSlicer $load_before, before the estimator $load_mid, after $load_after."
    echo "\`bench/run_estimate.sh $reps $backends\` (Release): PrusaSlicer ($prusa_note) slices each mesh with"
    echo "\`--load tests/data/profile_prusa.ini --fill-density 20%\` three times in this run (best wall, and that"
    echo "run's CPU time in brackets), then \`build/bench_estimate -n $reps\` runs read + prepare (best of $reps"
    echo "in one process, in rounds that take every mesh on every backend in turn with a 3 ms pause between runs;"
    echo "CPU time of all threads in brackets; eval is the best of 20 rounds of 11 re-quotes)."
    echo "The speed-up is PrusaSlicer's wall time over the first backend's read + prepare, against this run's"
    echo "PrusaSlicer and against reference.csv's slice_wall_s (PrusaSlicer 2.5.0 on another 2-core machine)."
    echo
    cat "$tmp/table.md"
} > "$tmp/section.md"
cat "$tmp/section.md"

# Replace the "## Estimator" section (its "### Notes" kept, see bench/lib.sh).
put_section Estimator "$tmp/section.md"
echo "bench/RESULTS.md updated" >&2
