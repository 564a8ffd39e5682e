#!/usr/bin/env bash
# Builds Release and runs the intake bench (all formats + admesh), then puts its section into bench/RESULTS.md.
# usage: bench/run_intake.sh [RUNS]   (default 5; the meshes it writes to /tmp take about 350 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
command -v admesh >/dev/null || echo "warning: admesh not installed (apt-get install admesh); its row is skipped" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target printforge bench_intake >/dev/null
section="$(mktemp)"
trap 'rm -f "$section"' EXIT
build/bench_intake "$runs" "$section"
source bench/lib.sh
put_section "Intake and analysis" "$section"
echo "bench/RESULTS.md updated"
