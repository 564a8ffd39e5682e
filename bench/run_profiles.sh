#!/usr/bin/env bash
# Estimator accuracy with other profile settings (5 top and 4 bottom solid layers, 3 perimeters, a 0.6 mm
# nozzle): PrusaSlicer 2.5 slices each mesh with the changed profile in this run, `printforge quote --profile`
# estimates it with the same file. Puts the "## Estimator accuracy with other profile settings" section into
# bench/RESULTS.md. Needs prusa-slicer.
# usage: bench/run_profiles.sh   (a Release build; about 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
printforge_build
python3 bench/profiles_section.py build/printforge "$tmp/section.md" "$tmp"
put_section "Estimator accuracy with other profile settings" "$tmp/section.md"
grep "^| [a-z]" "$tmp/section.md" | cut -c1-160
