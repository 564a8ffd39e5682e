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
# Replace the "## Intake and analysis" section (up to the next "## " heading) or append it.
python3 - "$section" bench/RESULTS.md <<'PY'
import os, re, sys
new = open(sys.argv[1]).read().rstrip() + "\n"
path = sys.argv[2]
old = open(path).read() if os.path.exists(path) else "# PrintForge bench results\n"
pat = re.compile(r"^## Intake and analysis\n.*?(?=^## |\Z)", re.S | re.M)
out = pat.sub(lambda m: new + "\n", old, count=1) if pat.search(old) else old.rstrip() + "\n\n" + new
open(path, "w").write(out.rstrip() + "\n")
PY
echo "bench/RESULTS.md updated"
