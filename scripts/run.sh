#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds PrintForge and runs its main job: the HTTP server on ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
exec ./build/printforge serve --data-dir ./data "$@"
