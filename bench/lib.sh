# Shared pieces of the bench scripts (sourced, not run): servers started in the background with their ports
# read from stdout, one wrk run reduced to requests/s, p99 and non-2xx answers, medians over rounds, and the
# replacement of one "## " section of bench/RESULTS.md.

# Sets load0 (load average at the start), tmp (scratch directory, removed at exit) and pids (background
# servers, killed at exit).
bench_init() {
  load0="$(cut -d' ' -f1-3 /proc/loadavg)"
  tmp="$(mktemp -d)"
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }

# start CMD...: runs CMD in the background with stdout to $tmp/out.N and waits for its "...127.0.0.1:PORT"
# line; sets $port.
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

# wrk_run NAME CONNECTIONS URL [WRK OPTIONS...]: one wrk run of $dur seconds; prints "req/s p99_ms non2xx".
wrk_run() {
  local name="$1" c="$2" url="$3" out
  shift 3
  out="$(wrk -t1 -c"$c" -d"${dur}s" --latency "$@" "$url")"
  local rps p99 non2xx
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  [ -z "$non2xx" ] || echo "warning: $name: $non2xx non-2xx answers" >&2
  echo "$name: $rps req/s, p99 $p99 ms, load $(cut -d' ' -f1 /proc/loadavg)" >&2
  echo "$rps $p99 ${non2xx:-0}"
}

# median "v1 v2 ...": the median of the numbers.
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# put_section HEADING FILE: replaces the "## HEADING" section of bench/RESULTS.md (up to the next "## ") with
# FILE's text, or appends it. A "### Notes" subsection at the end of the old section (the history of earlier
# runs, what changed, what is missing: written by hand) is kept after the new text.
put_section() {
  python3 - "$1" "$2" bench/RESULTS.md <<'PY'
import os, re, sys
heading, new, path = sys.argv[1], open(sys.argv[2]).read().rstrip() + "\n", sys.argv[3]
old = open(path).read() if os.path.exists(path) else "# PrintForge bench results\n"
pat = re.compile(r"^## " + re.escape(heading) + r"\n.*?(?=^## |\Z)", re.S | re.M)
m = pat.search(old)
if m:
    notes = re.search(r"^### Notes\n.*", m.group(0), re.S | re.M)
    if notes:
        new += "\n" + notes.group(0).rstrip() + "\n"
    out = old[:m.start()] + new + "\n" + old[m.end():]
else:
    out = old.rstrip() + "\n\n" + new
open(path, "w").write(out.rstrip() + "\n")
PY
}

# A Release build of printforge, and tmp (a scratch directory removed at exit), for the scripts that run it
# on meshes.
printforge_build() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j2 --target printforge >/dev/null
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
}
