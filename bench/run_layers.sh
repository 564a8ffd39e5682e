#!/usr/bin/env bash
# Estimator accuracy at other layer heights: `printforge quote --json --layer-height MM --infill PCT` on each
# row of tests/data/layers_reference.csv (PrusaSlicer 2.5 at 0.1 and 0.3 mm layers, written by
# tests/data/layers_make.sh) against PrusaSlicer's filament and normal-mode time, the medians and worst per
# layer height against the estimator issue's bounds. Puts the "## Estimator accuracy at other layer heights"
# section into bench/RESULTS.md.
# usage: bench/run_layers.sh   (a Release build)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
printforge_build
python3 bench/layers_section.py build/printforge "$tmp/section.md"
put_section "Estimator accuracy at other layer heights" "$tmp/section.md"
grep "^| 0" "$tmp/section.md" | head -4
