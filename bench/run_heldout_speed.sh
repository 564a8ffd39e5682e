#!/usr/bin/env bash
# The estimator's speed against PrusaSlicer on every held-out mesh (tests/data/extra/*.stl, the meshes of
# reference_extra.csv, none of them among the bench meshes the estimator was tuned on): build/bench_estimate
# with the SIMD backend on them, 30 meshes a process, PrusaSlicer slicing each in the same rounds when it is
# installed (else reference_extra.csv's slice_wall_s). Puts the "## Estimator speed, held-out meshes" section
# (the distribution of the ratios, the meshes under 100×, and the whole table) into bench/RESULTS.md.
# usage: bench/run_heldout_speed.sh [REPS]   (default 3: bench_estimate's -n; PrusaSlicer runs min(REPS, 3)
# times a mesh)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
reps="${1:-3}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target bench_estimate >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
start="$(date -u '+%Y-%m-%d %H:%M UTC')"
prusa_args=()
if command -v prusa-slicer >/dev/null; then prusa_args=(--prusa tests/data/profile_prusa.ini); fi
ls tests/data/extra/*.stl > "$tmp/meshes"
split -l 30 "$tmp/meshes" "$tmp/chunk."
for f in "$tmp"/chunk.*; do
    # shellcheck disable=SC2046 # one argument a path (no spaces in tests/data/extra)
    build/bench_estimate -n "$reps" -b simd --no-eval "${prusa_args[@]}" --md -m none tests/data \
        $(cat "$f") | grep '^| ' | grep -v '^| mesh \|^|---' >> "$tmp/rows.md" || true
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/rows.md" tests/data/extra/reference_extra.csv "$tmp/section.md" "$start" "$load_before" \
    "$load_after" "$reps" "${#prusa_args[@]}" <<'PY'
import csv, statistics, sys, textwrap
rows_md, ref_csv, out, start, lb, la, reps, prusa = sys.argv[1:9]
ref = {}
for r in csv.DictReader(open(ref_csv)):
    try:
        if r["status"] == "ok":
            ref.setdefault(r["model"], []).append(float(r["slice_wall_s"]))
    except ValueError:
        pass
rows = []
for line in open(rows_md):
    c = [x.strip() for x in line.strip().strip("|").split("|")]
    # mesh, triangles, layers, cell, simd ms (cpu) thr, eval, PrusaSlicer this run (cpu), reference, ...
    name, tris, layers, cell = c[0], int(c[1]), int(c[2]), float(c[3])
    ours = float(c[4].split()[0]) / 1000
    this = float(c[6].split()[0]) if prusa != "0" else 0.0
    refw = min(ref.get(name, [0.0]))
    base = this if this > 0 else refw
    if base <= 0 or ours <= 0:
        continue
    rows.append((base / ours, name, tris, layers, cell, ours * 1000, this, refw))
rows.sort()
ratios = [r[0] for r in rows]
q = lambda f: ratios[int(f * (len(ratios) - 1))]
under = [r for r in rows if r[0] < 100]
L = ["## Estimator speed, held-out meshes", "",
     "`bench/run_heldout_speed.sh %s` on %s, load average %s before, %s after: `build/bench_estimate -n %s -b simd "
     "--no-eval` (read + prepare, best of %s, the backend's thread choice) on each of tests/data/extra's meshes, "
     "none of them a bench mesh the estimator's speed was tuned on; PrusaSlicer %s." %
     (reps, start, lb, la, reps, reps,
      "sliced each with `--load tests/data/profile_prusa.ini --fill-density 20%` in the same process's first "
      "rounds (best wall)" if prusa != "0" else "not installed: reference_extra.csv's slice_wall_s"), "",
     "%d meshes: PrusaSlicer's wall time over ours, min %.0f×, 10th percentile %.0f×, 25th %.0f×, median %.0f×, "
     "75th %.0f×; under 100×: %d (%.0f %%), under 50×: %d. The goal (≥ 100× on every mesh) is %s here." %
     (len(rows), ratios[0], q(.1), q(.25), q(.5), q(.75), len(under), 100.0 * len(under) / len(rows),
      sum(r < 50 for r in ratios), "met" if not under else "NOT met"), "",
     "| mesh | triangles | layers | cell mm | ours ms | PrusaSlicer s, this run | PrusaSlicer s, reference | ratio |",
     "|---|---:|---:|---:|---:|---:|---:|---:|"]
L = [("\n".join(textwrap.wrap(x, 115)) if not x.startswith("|") else x) for x in L]
for r in rows:
    L.append("| %s | %d | %d | %.3f | %.1f | %.2f | %.2f | %.0f× |" % (r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[0]))
open(out, "w").write("\n".join(L) + "\n")
print(L[4])
PY
put_section "Estimator speed, held-out meshes" "$tmp/section.md"
echo "bench/RESULTS.md updated" >&2
