#!/usr/bin/env bash
# Rewrites tests/data/supports_reference.csv: PrusaSlicer 2.5's filament grams and normal-mode time for each of
# its rows' meshes (tests/data/DIR/MODEL.stl) and infills, with automatic supports and without, under
# tests/data/profile_prusa.ini. Needs prusa-slicer (apt-get install prusa-slicer); two slicers at a time.
# usage: tests/data/supports_make.sh [extra rows "model,dir,infill,fitted" ...]
set -euo pipefail
cd "$(dirname "$0")"
source ./slice_lib.sh
slice_init
{
    grep -v '^#' supports_reference.csv | tail -n +2 | cut -d, -f1-4
    for r in "$@"; do echo "$r"; done
} | sort -u -t, -k2,2 -k1,1 -k3,3n >"$tmp/rows"

# one slice: model dir infill sup|nosup -> "grams seconds"
slice_one() {
    local model=$1 dir=$2 infill=$3 mode=$4 out="$tmp/$1.$2.$3.$4.gcode" extra=()
    [ "$mode" = sup ] && extra=(--support-material --support-material-auto)
    prusa-slicer --export-gcode --load profile_prusa.ini --fill-density "$infill%" "${extra[@]}" \
        "$dir/$model.stl" -o "$out" >/dev/null 2>&1
    echo "$(gcode_filament "$out" g) $(gcode_seconds "$out")" >"$out.txt"
}
export -f slice_one gcode_seconds gcode_filament
while IFS=, read -r model dir infill _; do
    printf '%s %s %s sup\n%s %s %s nosup\n' "$model" "$dir" "$infill" "$model" "$dir" "$infill"
done <"$tmp/rows" | xargs -P 2 -L 1 bash -c 'slice_one "$@"' _

{
    echo "# $(slice_version) with tests/data/profile_prusa.ini," \
        "--fill-density PCT% --support-material"
    echo "# --support-material-auto (tests/data/supports_make.sh); fitted: the model's constants were fitted on its" \
        "20 % row"
    echo "# (0: held out); *_nosup: the same without supports"
    echo "model,dir,infill_pct,fitted,filament_g,time_s,filament_g_nosup,time_s_nosup"
    while IFS=, read -r model dir infill fitted; do
        read -r g t <"$tmp/$model.$dir.$infill.sup.gcode.txt"
        read -r g0 t0 <"$tmp/$model.$dir.$infill.nosup.gcode.txt"
        echo "$model,$dir,$infill,$fitted,$g,$t,$g0,$t0"
    done <"$tmp/rows"
} >supports_reference.csv.new
mv supports_reference.csv.new supports_reference.csv
