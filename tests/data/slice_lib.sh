# Sourced by tests/data/*_make.sh: their scratch directory, and figures from the closing comments of a
# PrusaSlicer G-code.

# slice_init: stops unless prusa-slicer is installed; sets and exports tmp, a scratch directory removed at exit.
slice_init() {
    command -v prusa-slicer >/dev/null || { echo "prusa-slicer is not installed" >&2; exit 1; }
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    export tmp
}

# gcode_seconds FILE: the normal-mode time estimate, in seconds ("1h 2m 3s" -> 3723).
gcode_seconds() {
    grep -m1 '^; estimated printing time (normal' "$1" | sed 's/.*= //' |
        awk '{s = 0; for (i = 1; i <= NF; i++) { v = $i + 0; u = substr($i, length($i));
              s += v * (u == "d" ? 86400 : u == "h" ? 3600 : u == "m" ? 60 : 1) } print s}'
}

# gcode_filament FILE UNIT: the filament used, in UNIT (mm, cm3 or g).
gcode_filament() { grep -m1 "^; filament used \[$2\]" "$1" | awk '{print $NF}'; }

# slice_rows: runs the caller's slice_one on each line of $tmp/rows (fields split at commas), two at a time.
slice_rows() {
    export -f slice_one gcode_seconds gcode_filament
    tr ',' ' ' <"$tmp/rows" | xargs -P 2 -L 1 bash -c 'slice_one "$@"' _
}

# slice_version: the slicer's name and version, e.g. PrusaSlicer-2.5.0.
slice_version() { prusa-slicer --help 2>/dev/null | grep -m1 -o 'PrusaSlicer-[0-9.]*'; }
