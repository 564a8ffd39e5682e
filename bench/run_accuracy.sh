#!/usr/bin/env bash
# Estimator accuracy, every row: `printforge quote --json` on each mesh of tests/data/reference.csv (the
# shared PrusaSlicer 2.5 reference) and tests/data/extra/reference_extra.csv (held-out meshes, written and
# sliced by tests/data/extra/make.py) at each row's infill, its weight and print-time errors against
# PrusaSlicer's, and the medians and worst against the estimator issue's bounds. Puts the "## Estimator
# accuracy" section into bench/RESULTS.md.
# usage: bench/run_accuracy.sh   (a Release build; bumpy_1m's row is skipped unless /tmp/bumpy_1m.stl exists)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
printforge_build
python3 - build/printforge "$tmp/section.md" <<'PY'
import csv, json, os, statistics, subprocess, sys, time
exe, out = sys.argv[1], sys.argv[2]
FILES = {"gear_ascii": "gear.ascii.stl", "gear_obj": "gear.obj", "gear_3mf": "gear.3mf", "bumpy_1m": "/tmp/bumpy_1m.stl"}
sets = [("shared reference (tests/data/reference.csv, the meshes the estimator was calibrated on)", "tests/data",
         "reference.csv"),
        ("held-out meshes (tests/data/extra/reference_extra.csv, not used in calibration)", "tests/data/extra",
         "reference_extra.csv")]
lines = ["## Estimator accuracy", "",
         "`bench/run_accuracy.sh` on %s: `printforge quote FILE --json --infill PCT` (default profile = "
         "tests/data/profile_prusa.ini, SIMD backend) against PrusaSlicer 2.5's filament grams (filament mm × "
         "π·0.875² × 1.24 g/cm³) and its normal-mode time estimate. Bounds of the estimator issue: median "
         "|weight error| ≤ 3 %%, worst ≤ 10 %%; median |time error| ≤ 8 %%, worst ≤ 20 %% (tests/test_estimate.c "
         "checks both sets)." % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), ""]
for title, d, name in sets:
    rows, werr, terr, cache = [], [], [], {}
    for r in csv.DictReader(open(os.path.join(d, name))):
        if r["status"] != "ok":
            continue
        f = FILES.get(r["model"], r["model"] + ".stl")
        path = f if f.startswith("/") else os.path.join(d, f)
        if not os.path.exists(path):
            continue
        o = json.loads(subprocess.run([exe, "quote", path, "--json", "--infill", r["infill_pct"]],
                                      capture_output=True, text=True, check=True).stdout)
        ref_g = float(r["filament_mm"]) * 3.141592653589793 * 0.875 * 0.875 * 1.24 / 1000
        ref_t = float(r["time_s"])
        we, te = (o["weight_g"] - ref_g) / ref_g * 100, (o["print_time_s"] - ref_t) / ref_t * 100
        werr.append(abs(we))
        terr.append(abs(te))
        rows.append("| %s | %s | %.2f | %.2f | %+.1f %% | %.0f | %.0f | %+.1f %% |" %
                    (r["model"], r["infill_pct"], ref_g, o["weight_g"], we, ref_t, o["print_time_s"], te))
    mw, mt = statistics.median(werr), statistics.median(terr)
    ok = mw <= 3 and max(werr) <= 10 and mt <= 8 and max(terr) <= 20
    lines += ["### %s" % title[0].upper() + title[1:], "",
              "%d rows: weight error median %.1f %%, worst %.1f %%; time error median %.1f %%, worst %.1f %% "
              "(bounds %s)." % (len(rows), mw, max(werr), mt, max(terr), "met" if ok else "MISSED"), "",
              "| mesh | infill % | PrusaSlicer g | ours g | weight err | PrusaSlicer s | ours s | time err |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"] + rows + [""]
open(out, "w").write("\n".join(lines))
PY
put_section "Estimator accuracy" "$tmp/section.md"
grep -A2 "^### " "$tmp/section.md" | grep rows
