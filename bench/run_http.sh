#!/usr/bin/env bash
# HTTP bench: wrk on loopback against printforge serve (GET /api/health with and without the access log, and
# an authenticated admin route), a minimal libmicrohttpd program in the same threading mode, and nginx
# serving the same bytes as a static file. Writes the "## HTTP" section of bench/RESULTS.md.
# usage: bench/run_http.sh [SECONDS] [CONNECTIONS] [ROUNDS]   (defaults 5, 32 and 3; needs wrk and nginx: setup.sh --bench)
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-5}"
conns="${2:-32}"
rounds="${3:-3}"
for t in wrk nginx; do command -v "$t" >/dev/null || { echo "$t not installed (scripts/setup.sh --bench)" >&2; exit 1; }; done
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target printforge bench_http_minimal bench_http_prep >/dev/null

source bench/lib.sh
bench_init


# run NAME URL [HEADER]: one wrk run at $conns connections; prints "req/s p99_ms non2xx".
run() { wrk_run "$1" "$conns" "$2" ${3:+-H "$3"}; }

jwt="$(build/bench_http_prep "$tmp/data")"

# Every server is started first and the targets are measured in interleaved rounds, so a burst of load from
# other jobs hits all of them alike; the table gives each target's median over the rounds.
names=() urls=() hdrs=()
target() { names+=("$1"); urls+=("$2"); hdrs+=("${3:-}"); }

start build/bench_http_minimal 0
target "minimal libmicrohttpd (same threading mode)" "http://127.0.0.1:$port/api/health"

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
target "nginx static file, same bytes" "http://127.0.0.1:$nport/api/health"

start build/printforge serve --port 0 --data-dir "$tmp/data" --access-log off
target "printforge GET /api/health, no access log" "http://127.0.0.1:$port/api/health"
target "printforge GET /api/auth/me, admin JWT" "http://127.0.0.1:$port/api/auth/me" "Authorization: Bearer $jwt"
target "printforge GET /api/admin/rate-limiter, admin JWT" "http://127.0.0.1:$port/api/admin/rate-limiter" "Authorization: Bearer $jwt"
start build/printforge serve --port 0 --data-dir "$tmp/data" --access-log "$tmp/access.log"
target "printforge GET /api/health, access log to a file" "http://127.0.0.1:$port/api/health"

declare -A rps_of p99_of
for round in $(seq "$rounds"); do
  for i in "${!names[@]}"; do
    read -r a b _ < <(run "${names[$i]}" "${urls[$i]}" "${hdrs[$i]}")
    rps_of[$i]+="$a "
    p99_of[$i]+="$b "
  done
done
rows=()
for i in "${!names[@]}"; do
  rows+=("${names[$i]}|$(median "${rps_of[$i]}")|$(median "${p99_of[$i]}")|${rps_of[$i]}")
done

section="$tmp/section.md"
{
  echo "## HTTP"
  echo
  echo "bench/run_http.sh $dur $conns $rounds on $(date -u +%Y-%m-%d): wrk -t1 -c$conns -d${dur}s --latency on 127.0.0.1, $rounds interleaved rounds (median), servers with"
  echo "$(nproc) worker threads, all on the same $(nproc)-core machine as wrk (shared with other jobs: absolute numbers"
  echo "are low and noisy; the ratios are the result). Load average before / after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Goal: printforge health >= 90 % of the minimal MHD program."
  echo
  echo "| target | requests/s (median) | p99 ms (median) | vs minimal MHD | requests/s per round |"
  echo "|---|---:|---:|---:|---|"
  base="$(cut -d'|' -f2 <<<"${rows[0]}")"
  for r in "${rows[@]}"; do
    IFS='|' read -r n rps p99 all <<<"$r"
    echo "| $n | $rps | $p99 | $(awk -v a="$rps" -v b="$base" 'BEGIN {printf "%.0f %%", 100*a/b}') | $all |"
  done
} >"$section"
put_section HTTP "$section"
cat "$section"
echo "bench/RESULTS.md updated"
