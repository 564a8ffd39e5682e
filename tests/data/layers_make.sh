#!/usr/bin/env bash
# Rewrites tests/data/layers_reference.csv: PrusaSlicer 2.5's filament length and normal-mode time for each of
# its rows' meshes (tests/data/DIR/MODEL.stl) at the row's layer height and infill, under
# tests/data/profile_prusa.ini (first layer 0.2 mm as there). Needs prusa-slicer (apt-get install
# prusa-slicer); two slicers at a time.
# usage: tests/data/layers_make.sh [extra rows "model,dir,layer_height,infill" ...]
set -euo pipefail
cd "$(dirname "$0")"
source ./slice_lib.sh
slice_init
{
    [ -f layers_reference.csv ] && grep -v '^#' layers_reference.csv | tail -n +2 | cut -d, -f1-4
    for r in "$@"; do echo "$r"; done
} | sort -u -t, -k2,2 -k1,1 -k3,3n -k4,4n >"$tmp/rows"

# one slice: model dir layer_height infill -> "filament_mm seconds"
slice_one() {
    local model=$1 dir=$2 lh=$3 infill=$4 out="$tmp/$1.$2.$3.$4.gcode"
    prusa-slicer --export-gcode --load profile_prusa.ini --layer-height "$lh" --fill-density "$infill%" \
        "$dir/$model.stl" -o "$out" >/dev/null 2>&1
    echo "$(gcode_filament "$out" mm) $(gcode_seconds "$out")" >"$out.txt"
}
slice_rows

{
    echo "# $(slice_version) with tests/data/profile_prusa.ini," \
        "--layer-height MM --fill-density PCT% (tests/data/layers_make.sh)"
    echo "model,dir,layer_height,infill_pct,filament_mm,time_s"
    while IFS=, read -r model dir lh infill; do
        read -r mm t <"$tmp/$model.$dir.$lh.$infill.gcode.txt"
        echo "$model,$dir,$lh,$infill,$mm,$t"
    done <"$tmp/rows"
} >layers_reference.csv.new
mv layers_reference.csv.new layers_reference.csv
