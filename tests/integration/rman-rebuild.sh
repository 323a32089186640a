#!/usr/bin/env bash
# rman-rebuild.sh - --rebuild: with --scan, every object with up to E (2)
# deleted or corrupted blocks is rebuilt and then verifies clean
# (marfs-ne verify); an object with E+1 bad blocks is reported lost with
# the files it holds named (exit 1); without --scan, the objects readers
# flagged are rebuilt and the list emptied; --location rebuilds the
# objects with a block on a replaced disk.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rman.sh"
rman_setup
rman_site || { echo "Bail out! no site"; exit 1; }
tap_plan 10

src=$TAP_TMP/src
mkdir -p "$src"
marfs mkdir "$TOP/b"
for i in $(seq 1 6); do head -c $((90000 + i * 1000)) /dev/urandom >"$src/c$i"; done
for i in $(seq 1 16); do head -c $((1000 + i * 50)) /dev/urandom >"$src/s$i"; done
marfs put "$src"/c* "$TOP/b" &&
    rman_ops pack $(for i in $(seq 1 16); do printf '%s ' "$src/s$i:$TOP/b/s$i"; done)
pairs=$(for f in $(ls "$src"); do printf '%s ' "$src/$f:$TOP/b/$f"; done)
objs=($(stored_objects))
tap_is "${#objs[@]}" 11 "11 objects (6 chunked files in one stream, 2 packs)"

# up to E=2 bad blocks in every object: deleted or one bit flipped
RANDOM=7
damaged=0
for o in "${objs[@]}"; do
    blocks=($(block_files "$o"))
    nbad=$((RANDOM % 3))
    [ "$nbad" -gt 0 ] && damaged=$((damaged + 1))
    for k in $(seq 1 "$nbad"); do
        b=${blocks[$(((k * 2 + RANDOM % 2) % ${#blocks[@]}))]}
        if [ $((RANDOM % 2)) -eq 0 ]; then rm -f "$b"; else flip_byte "$b" 7; fi
    done
done
tap_is "$(unclean_objects | wc -l)" "$damaged" "$damaged objects damaged (1 or 2 blocks each)"
out=$(rman --rebuild --scan)
tap_is "$?:$(summary_field "$out" objects-rebuilt):$(summary_field "$out" objects-lost)" "0:$damaged:0" \
    "--rebuild --scan rebuilds every damaged object, exit 0"
tap_is "$(unclean_objects)" "" "every object verifies clean afterwards"
rman_ops cmp $pairs
tap_ok $? "every file reads back exact"

# E+1: a pack loses 3 of its 6 blocks
pack=$(getfattr --absolute-names --only-values -n user.marfs.tag "$META/ns@/tree/b/s3" |
    sed 's/.* stream=\([^ ]*\) obj=\([0-9]*\).*/\1\/\2/')
blocks=($(block_files "$pack"))
rm -f "${blocks[0]}" "${blocks[2]}"; flip_byte "${blocks[4]}" 9
out=$(rman --rebuild --scan)
tap_is "$?:$(summary_field "$out" objects-lost)" "1:1" "E+1 bad blocks: the object is reported lost, exit 1"
tap_is "$(grep -c "object $pack LOST" <<<"$out"):$(grep 'holds' <<<"$out" | grep -o '/campaign/b/s[0-9]*' | sort -V | tr '\n' ' ')" \
    "1:$(for i in $(seq 1 8); do printf '/campaign/b/s%s ' "$i"; done)" \
    "the report names the 8 files it holds"

# a reader finds a damaged block and flags the object; --rebuild fixes it
rm -rf "$TAP_TMP/site" && rman_site && marfs mkdir "$TOP/b" && marfs put "$src"/c* "$TOP/b"
o=$(stored_objects | head -n1)
rm -f "$(block_files "$o" | head -n1)"
flip_byte "$(block_files "$o" | tail -n1)" 3
for f in c1 c2 c3; do same_bytes "$TOP/b/$f" "$src/$f" || echo "read $f failed"; done
tap_is "$(cut -d' ' -f2 "$META/ns@/damaged" | sort -u)" "$o" "readers flag the damaged object"
out=$(rman --rebuild)
tap_is "$?:$(summary_field "$out" objects-rebuilt):$(cat "$META/ns@/damaged" 2>/dev/null | wc -l):$(unclean_objects)" \
    "0:1:0:" "--rebuild rebuilds the flagged object and empties the list"

# a replaced disk: every block at block index 3, cap 1 is gone
rm -f "$DATA"/pod0/block3/cap1/*/*
lost=$(unclean_objects | wc -l)
out=$(rman --rebuild --scan --location block=3,cap=1)
tap_is "$?:$(summary_field "$out" objects-rebuilt):$(unclean_objects)" "0:$lost:" \
    "--location block=3,cap=1 rebuilds the $lost objects that had a block on that disk"
tap_done
