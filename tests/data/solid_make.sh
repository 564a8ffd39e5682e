#!/usr/bin/env bash
# Rewrites tests/data/solid_reference.csv: PrusaSlicer 2.5's filament length and normal-mode time for each of
# its rows' meshes (tests/data/DIR/MODEL.stl) with the row's top and bottom solid layers, layer height and
# infill, under tests/data/profile_prusa.ini (3 and 3 there). Needs prusa-slicer (apt-get install
# prusa-slicer); two slicers at a time.
# usage: tests/data/solid_make.sh [extra rows "model,dir,layer_height,top,bottom,infill" ...]
set -euo pipefail
cd "$(dirname "$0")"
source ./slice_lib.sh
slice_init
{
    [ -f solid_reference.csv ] && grep -v '^#' solid_reference.csv | tail -n +2 | cut -d, -f1-6
    for r in "$@"; do echo "$r"; done
} | sort -u -t, -k2,2 -k1,1 -k3,3n -k4,4n -k5,5n -k6,6n >"$tmp/rows"

# one slice: model dir layer_height top bottom infill -> "filament_mm seconds"
slice_one() {
    local model=$1 dir=$2 lh=$3 top=$4 bottom=$5 infill=$6 out="$tmp/$1.$2.$3.$4.$5.$6.gcode"
    prusa-slicer --export-gcode --load profile_prusa.ini --layer-height "$lh" --top-solid-layers "$top" \
        --bottom-solid-layers "$bottom" --fill-density "$infill%" "$dir/$model.stl" -o "$out" >/dev/null 2>&1
    echo "$(gcode_filament "$out" mm) $(gcode_seconds "$out")" >"$out.txt"
}
slice_rows

{
    echo "# $(slice_version) with tests/data/profile_prusa.ini," \
        "--layer-height MM --top-solid-layers N --bottom-solid-layers N --fill-density PCT% (tests/data/solid_make.sh)"
    echo "model,dir,layer_height,top,bottom,infill_pct,filament_mm,time_s"
    while IFS=, read -r model dir lh top bottom infill; do
        read -r mm t <"$tmp/$model.$dir.$lh.$top.$bottom.$infill.gcode.txt"
        echo "$model,$dir,$lh,$top,$bottom,$infill,$mm,$t"
    done <"$tmp/rows"
} >solid_reference.csv.new
mv solid_reference.csv.new solid_reference.csv
