#!/usr/bin/env bash
# Builds Release, runs build/bench_estimate on every estimator bench mesh (with --prusa when prusa-slicer is
# installed: PrusaSlicer slices each mesh three times in the same rounds as the backends' runs, best wall and
# that run's CPU time), and puts its "## Estimator" section into bench/RESULTS.md.
# usage: bench/run_estimate.sh [REPS] [BACKENDS]   (defaults 5 and simd,scalar,auto; bench_estimate's -n, -b)
# Without prusa-slicer the ratios fall back to reference.csv's slice_wall_s. /tmp/bumpy_1m.stl (1 M
# triangles, the file of reference.csv's bumpy_1m row) is made with ../shared/models/tools/meshtool.py when
# missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
reps="${1:-5}"
backends="${2:-simd,scalar,auto}"
big=/tmp/bumpy_1m.stl
meshtool=../shared/models/tools/meshtool.py
[ -f "$meshtool" ] || meshtool=/work/shared/models/tools/meshtool.py
if [ ! -f "$big" ] && [ -f "$meshtool" ]; then
    python3 "$meshtool" procedural "$big" 1000000 >/dev/null
fi
big_args=()
[ -f "$big" ] && big_args=("$big")
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target printforge bench_estimate >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
start="$(date -u '+%Y-%m-%d %H:%M UTC')"
prusa_note="PrusaSlicer is not installed: ratios are against reference.csv's slice_wall_s"
prusa_args=()
if command -v prusa-slicer >/dev/null; then
    # (its --help may die of the closed pipe: the version, or the name alone, whatever its status)
    prusa_note="$( (prusa-slicer --help 2>&1 || true) | grep -o "PrusaSlicer-[^ ]*" | head -n1 || true)"
    [ -n "$prusa_note" ] || prusa_note=PrusaSlicer
    prusa_args=(--prusa tests/data/profile_prusa.ini)
fi
build/bench_estimate tests/data -n "$reps" -b "$backends" "${prusa_args[@]}" --md "${big_args[@]}" > "$tmp/table.md"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

{
    echo "## Estimator"
    echo
    echo "Machine: $cpu, $(nproc) cores online, shared with other jobs; $start. Load average (1/5/15 min)"
    echo "before $load_before, after $load_after."
    echo "\`bench/run_estimate.sh $reps $backends\` (Release): \`build/bench_estimate -n $reps --prusa\` takes the"
    echo "meshes one by one: $reps rounds, each a run of read + prepare on every backend in turn (3 ms apart, in"
    echo "one process; best of $reps, CPU time of all threads in brackets; eval is the best of 20 rounds of 11"
    echo "re-quotes), the first three rounds opened by PrusaSlicer ($prusa_note) slicing the mesh with"
    echo "\`--load tests/data/profile_prusa.ini --fill-density 20%\` (best wall, and that run's CPU time)."
    echo "The speed-up is PrusaSlicer's wall time over the first backend's read + prepare, against this run's"
    echo "PrusaSlicer and against reference.csv's slice_wall_s (PrusaSlicer 2.5.0 on another 2-core machine)."
    echo
    cat "$tmp/table.md"
} > "$tmp/section.md"
cat "$tmp/section.md"

# Replace the "## Estimator" section (its "### Notes" kept, see bench/lib.sh).
put_section Estimator "$tmp/section.md"
echo "bench/RESULTS.md updated" >&2
