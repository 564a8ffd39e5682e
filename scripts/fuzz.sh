#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and fuzzes each in turn.
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET=600] [TARGET...]   (targets: stl obj 3mf estimate contour_union
# msgpack_json tokens json_arena)
# Crashes, leaks and timeouts land in fuzz-out/<target>/; copy each into tests/data/fuzz-regress/ (readers)
# or tests/data/fuzz-estimate/ (estimate) or tests/data/fuzz-union/ (contour_union) or tests/data/fuzz-api/ (tokens as tok_*, json_arena as json_*) once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
targets=("${@:-stl obj 3mf estimate contour_union msgpack_json tokens json_arena}")
CC=clang cmake -S . -B build-fuzz -DPF_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)"
for t in ${targets[@]}; do
  corpus=fuzz-out/$t/corpus
  mkdir -p "$corpus"
  case $t in
    stl) cp tests/data/*.stl tests/data/hostile/stl_* "$corpus"/ 2>/dev/null || true ;;
    obj) cp tests/data/*.obj tests/data/hostile/obj_* "$corpus"/ 2>/dev/null || true ;;
    3mf) cp tests/data/*.3mf tests/data/3mf/*.3mf tests/data/hostile/3mf_* "$corpus"/ 2>/dev/null || true ;;
    estimate) cp tests/data/fuzz-estimate/* "$corpus"/ ;;
    contour_union) cp tests/data/fuzz-union/* "$corpus"/ ;;
    tokens) cp tests/data/fuzz-api/tok_* "$corpus"/ ;;
    json_arena) cp tests/data/fuzz-api/json_* "$corpus"/ ;;
  esac
  dict=()
  [ -f tests/fuzz/fuzz_$t.dict ] && dict=(-dict=tests/fuzz/fuzz_$t.dict)
  ./build-fuzz/fuzz_$t "${dict[@]}" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=70000 -timeout=10 \
    -artifact_prefix=fuzz-out/$t/ "$corpus"
done
