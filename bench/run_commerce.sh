#!/usr/bin/env bash
# Commerce bench: wrk on loopback against printforge serve with every rate limiter off (ratelimit.enabled=false):
# numeric POST /api/quote (fast model), POST /api/quote by session_id of a cached mesh (slicer-grade estimate),
# and POST /api/upload-for-cart of a 50k-triangle binary STL; beside the minimal libmicrohttpd program of the
# HTTP bench in the same run. Writes the "## Commerce" section of bench/RESULTS.md.
# usage: bench/run_commerce.sh [SECONDS] [CONNECTIONS] [UPLOAD_CONNECTIONS]   (defaults 5, 32, 4; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-5}"
conns="${2:-32}"
uconns="${3:-4}"
command -v wrk >/dev/null || { echo "wrk not installed (scripts/setup.sh --bench)" >&2; exit 1; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target printforge bench_http_minimal bench_commerce_prep >/dev/null

tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

# Starts "$@" in the background with stdout to $tmp/out.N and waits for its "...:PORT" line; sets $port.
start() {
  local out="$tmp/out.${#pids[@]}"
  "$@" >"$out" 2>"$out.err" &
  pids+=($!)
  for _ in $(seq 200); do
    port="$(sed -n 's/.*127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$out" | head -1)"
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "server did not start: $*" >&2; cat "$out.err" >&2; exit 1
}
stop_last() { local p="${pids[-1]}"; kill -TERM "$p"; wait "$p" || true; unset 'pids[-1]'; }

rows=()
# run NAME CONNS URL [LUA]: one wrk run; appends "name|req/s|p99 ms|non-2xx|load" to rows.
run() {
  local name="$1" c="$2" url="$3" lua="${4:-}" out
  if [ -n "$lua" ]; then out="$(wrk -t1 -c"$c" -d"${dur}s" --latency -s "$lua" "$url")"
  else out="$(wrk -t1 -c"$c" -d"${dur}s" --latency "$url")"; fi
  local rps p99 non2xx load
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  [ -z "$non2xx" ] || echo "warning: $name: $non2xx non-2xx answers" >&2
  echo "$name: $rps req/s, p99 $p99 ms, load $load" >&2
  rows+=("$name|$rps|$p99|${non2xx:-0}|$load")
}

jwt="$(build/bench_commerce_prep "$tmp/data" "$tmp/bumpy50k.stl" 50000)"
tris="$(python3 -c 'import struct,sys; f=open(sys.argv[1],"rb"); f.seek(80); print(struct.unpack("<I", f.read(4))[0])' "$tmp/bumpy50k.stl")"
mb="$(du -m "$tmp/bumpy50k.stl" | cut -f1)"

cat >"$tmp/quote.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"dim_x_mm":60,"dim_y_mm":40,"dim_z_mm":25,"volume_cm3":32.5,"material":"PLA","quantity":2,"infill":20,"fulfillment":"pickup"}'
LUA
cat >"$tmp/upload.lua" <<LUA
local f = assert(io.open("$tmp/bumpy50k.stl", "rb"))
local data = f:read("*a")
f:close()
local b = "pfbenchboundary7MA4YWxkTrZu0gW"
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. b
wrk.headers["Authorization"] = "Bearer $jwt"
wrk.body = "--" .. b .. '\r\nContent-Disposition: form-data; name="model_file"; filename="bumpy50k.stl"\r\n' ..
  "Content-Type: application/octet-stream\r\n\r\n" .. data .. "\r\n--" .. b .. "--\r\n"
LUA

start build/bench_http_minimal 0
run "minimal libmicrohttpd (same threading mode), GET" "$conns" "http://127.0.0.1:$port/api/health"
stop_last

start build/printforge serve --port 0 --data-dir "$tmp/data" --access-log off
base="http://127.0.0.1:$port"
run "POST /api/quote, numeric (fast model)" "$conns" "$base/api/quote" "$tmp/quote.lua"
# One upload prepares the mesh; quotes by its session_id then come from the estimate cache.
sid="$(curl -sf -H "Authorization: Bearer $jwt" -F "model_file=@$tmp/bumpy50k.stl" "$base/api/upload-for-cart" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')"
cat >"$tmp/session.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $jwt"
wrk.body = '{"session_id":$sid,"material":"PETG","quantity":3,"infill":25}'
LUA
run "POST /api/quote by session_id (cached ${tris}-triangle mesh)" "$conns" "$base/api/quote" "$tmp/session.lua"
run "POST /api/upload-for-cart, ${tris}-triangle binary STL (${mb} MB)" "$uconns" "$base/api/upload-for-cart" "$tmp/upload.lua"
stop_last

section="$tmp/section.md"
{
  echo "## Commerce"
  echo
  echo "bench/run_commerce.sh $dur $conns $uconns on $(date -u +%Y-%m-%d): wrk -t1 -d${dur}s --latency on 127.0.0.1 (-c$conns, uploads"
  echo "-c$uconns), printforge serve with $(nproc) worker threads and ratelimit.enabled=false, no access log; all on the same"
  echo "$(nproc)-core machine as wrk, shared with other jobs (load = 1-minute load average after each run). Goals: quotes"
  echo ">= 70 % of the minimal MHD program's requests/s with p99 < 5 ms; uploads >= 200/s."
  echo
  echo "| target | requests/s | p99 ms | vs minimal MHD | non-2xx | load |"
  echo "|---|---:|---:|---:|---:|---:|"
  b0="$(cut -d'|' -f2 <<<"${rows[0]}")"
  for r in "${rows[@]}"; do
    IFS='|' read -r n rps p99 bad load <<<"$r"
    echo "| $n | $rps | $p99 | $(awk -v a="$rps" -v b="$b0" 'BEGIN {printf "%.0f %%", 100*a/b}') | $bad | $load |"
  done
} >"$section"
python3 - "$section" bench/RESULTS.md <<'PY'
import os, re, sys
new = open(sys.argv[1]).read().rstrip() + "\n"
path = sys.argv[2]
old = open(path).read() if os.path.exists(path) else "# PrintForge bench results\n"
pat = re.compile(r"^## Commerce\n.*?(?=^## |\Z)", re.S | re.M)
out = pat.sub(lambda m: new + "\n", old, count=1) if pat.search(old) else old.rstrip() + "\n\n" + new
open(path, "w").write(out.rstrip() + "\n")
PY
cat "$section"
echo "bench/RESULTS.md updated"
