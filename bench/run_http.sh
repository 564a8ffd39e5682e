#!/usr/bin/env bash
# HTTP bench: wrk on loopback against printforge serve (GET /api/health with and without the access log, and
# an authenticated admin route), a minimal libmicrohttpd program in the same threading mode, and nginx
# serving the same bytes as a static file. Writes the "## HTTP" section of bench/RESULTS.md.
# usage: bench/run_http.sh [SECONDS] [CONNECTIONS]   (defaults 5 and 32; needs wrk and nginx: setup.sh --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-5}"
conns="${2:-32}"
for t in wrk nginx; do command -v "$t" >/dev/null || { echo "$t not installed (scripts/setup.sh --bench)" >&2; exit 1; }; done
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target printforge bench_http_minimal bench_http_prep >/dev/null

tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

# Starts "$@" in the background with stdout to $tmp/out.N and waits for its "...:PORT" line; sets $port.
start() {
  local out="$tmp/out.${#pids[@]}"
  "$@" >"$out" 2>"$out.err" &
  pids+=($!)
  for _ in $(seq 100); do
    port="$(sed -n 's/.*127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$out" | head -1)"
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "server did not start: $*" >&2; cat "$out.err" >&2; exit 1
}
stop_last() { local p="${pids[-1]}"; kill -TERM "$p"; wait "$p" || true; unset 'pids[-1]'; }

rows=()
# run NAME URL [HEADER]: one wrk run; appends "name|req/s|p99 ms" to rows.
run() {
  local name="$1" url="$2" hdr="${3:-}" out
  if [ -n "$hdr" ]; then out="$(wrk -t1 -c"$conns" -d"${dur}s" --latency -H "$hdr" "$url")"
  else out="$(wrk -t1 -c"$conns" -d"${dur}s" --latency "$url")"; fi
  local rps p99 non2xx
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  [ -z "$non2xx" ] || echo "warning: $name: $non2xx non-2xx answers" >&2
  echo "$name: $rps req/s, p99 $p99 ms" >&2
  rows+=("$name|$rps|$p99")
}

jwt="$(build/bench_http_prep "$tmp/data")"

start build/bench_http_minimal 0
run "minimal libmicrohttpd (same threading mode)" "http://127.0.0.1:$port/api/health"
stop_last

mkdir -p "$tmp/www/api"
chmod 755 "$tmp" "$tmp/www" "$tmp/www/api" # nginx workers drop root
printf '{"status":"ok"}' >"$tmp/www/api/health"
cat >"$tmp/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:0;
    location /api/health { root $tmp/www; default_type "application/json; charset=utf-8"; }
  }
}
CONF
# nginx cannot print an ephemeral port: pick a free one.
nport="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
sed -i "s/listen 127.0.0.1:0;/listen 127.0.0.1:$nport;/" "$tmp/nginx.conf"
nginx -c "$tmp/nginx.conf" -p "$tmp" &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$nport/api/health" && break; sleep 0.05; done
run "nginx static file, same bytes" "http://127.0.0.1:$nport/api/health"
stop_last

start build/printforge serve --port 0 --data-dir "$tmp/data" --access-log off
run "printforge GET /api/health, no access log" "http://127.0.0.1:$port/api/health"
run "printforge GET /api/admin/rate-limiter, admin JWT" "http://127.0.0.1:$port/api/admin/rate-limiter" "Authorization: Bearer $jwt"
stop_last
start build/printforge serve --port 0 --data-dir "$tmp/data" --access-log "$tmp/access.log"
run "printforge GET /api/health, access log to a file" "http://127.0.0.1:$port/api/health"
stop_last

section="$tmp/section.md"
{
  echo "## HTTP"
  echo
  echo "bench/run_http.sh $dur $conns on $(date -u +%Y-%m-%d): wrk -t1 -c$conns -d${dur}s --latency on 127.0.0.1, servers with"
  echo "$(nproc) worker threads, all on the same $(nproc)-core machine as wrk (shared with other jobs: absolute numbers"
  echo "are low and noisy; the ratios are the result). Goal: printforge health >= 90 % of the minimal MHD program."
  echo
  echo "| target | requests/s | p99 ms | vs minimal MHD |"
  echo "|---|---:|---:|---:|"
  base="$(cut -d'|' -f2 <<<"${rows[0]}")"
  for r in "${rows[@]}"; do
    IFS='|' read -r n rps p99 <<<"$r"
    echo "| $n | $rps | $p99 | $(awk -v a="$rps" -v b="$base" 'BEGIN {printf "%.0f %%", 100*a/b}') |"
  done
} >"$section"
python3 - "$section" bench/RESULTS.md <<'PY'
import os, re, sys
new = open(sys.argv[1]).read().rstrip() + "\n"
path = sys.argv[2]
old = open(path).read() if os.path.exists(path) else "# PrintForge bench results\n"
pat = re.compile(r"^## HTTP\n.*?(?=^## |\Z)", re.S | re.M)
out = pat.sub(lambda m: new + "\n", old, count=1) if pat.search(old) else old.rstrip() + "\n\n" + new
open(path, "w").write(out.rstrip() + "\n")
PY
cat "$section"
echo "bench/RESULTS.md updated"
