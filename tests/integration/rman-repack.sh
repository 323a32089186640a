#!/usr/bin/env bash
# rman-repack.sh - after 90% of the members of 4 packed objects are
# deleted, --repack rewrites the live members into a new object while a
# reader loops over every live file (each read checked against the stored
# CRC: no error, no wrong byte, old or new copy); then gc at age 0 frees
# at least 80% of those objects' bytes, every live file reads back exact,
# and a pack that is mostly live is left alone.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rman.sh"
rman_setup
rman_site 's#<max_files>8#<max_files>10#' || { echo "Bail out! no site"; exit 1; }
tap_plan 12

src=$TAP_TMP/src
mkdir -p "$src"
marfs mkdir "$TOP/r"
for p in 1 2 3 4 5; do
    args=()
    for i in $(seq 0 9); do
        head -c $((3000 + i * 97)) /dev/urandom >"$src/p$p-$i"
        args+=("$src/p$p-$i:$TOP/r/p$p-$i")
    done
    rman_ops pack "${args[@]}" || exit 1
done
tap_is "$(stored_objects | wc -l)" 5 "5 packed objects of 10 files"
store_bytes() { find "$DATA" -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
obj_of() { getfattr --absolute-names --only-values -n user.marfs.tag "$META/ns@/tree/r/$1" | sed 's/.* stream=\([^ ]*\) obj=\([0-9]*\).*/\1\/\2/'; }
pack5=$(obj_of p5-0)
tag5=$(getfattr --absolute-names --only-values -n user.marfs.tag "$META/ns@/tree/r/p5-9")
bytes_all=$(store_bytes)
bytes_p5=$(find "$DATA" -type f -name "$(sed 's#/#%2F#' <<<"$pack5")" -printf '%s\n' | awk '{ s += $1 } END { print s }')
packs_bytes=$((bytes_all - bytes_p5))
live=()
for p in 1 2 3 4; do
    for i in $(seq 1 9); do marfs rm "$TOP/r/p$p-$i"; done
    live+=("$TOP/r/p$p-0")
done
marfs rm "$TOP/r/p5-1" "$TOP/r/p5-2"
for i in 0 3 4 5 6 7 8 9; do live+=("$TOP/r/p5-$i"); done

out=$(rman --repack --dry-run)
tap_is "$?:$(summary_field "$out" files-repacked):$(stored_objects | wc -l)" "0:4:5" \
    "--dry-run: 4 files would be repacked, nothing written"

stop=$TAP_TMP/stop
rman_ops readloop "$stop" "${live[@]}" >"$TAP_TMP/reader.out" 2>&1 &
reader=$!
tap_on_exit "kill $reader"
sleep 0.5
out=$(MARFS_RMAN_STEP_DELAY_MS=150 rman --repack -v)
rc=$?
sleep 0.3
touch "$stop"
wait "$reader"
rrc=$?
tap_is "$rc:$(summary_field "$out" files-repacked)" "0:4" "--repack (default --below 0.5) rewrites the 4 live members"
reads=$(sed -n 's/^reads \([0-9]*\) errors \([0-9]*\)$/\1/p' "$TAP_TMP/reader.out")
tap_is "$rrc:$(sed -n 's/^reads [0-9]* errors //p' "$TAP_TMP/reader.out")" "0:0" \
    "the reader looping during the repack saw no error and no wrong byte"
tap_ok "$([ "${reads:-0}" -ge 100 ]; echo $?)" "it read $reads files across the switches"
new=$(for p in 1 2 3 4; do obj_of "p$p-0"; done | sort -u)
tap_is "$(wc -l <<<"$new")" 1 "the 4 members now live in one new object"
tap_is "$(getfattr --absolute-names --only-values -n user.marfs.tag "$META/ns@/tree/r/p5-9")" "$tag5" \
    "the 80%-live pack is left alone"
tap_is "$(ref_entries | grep -c '#r$')" 4 "4 retired copies keep the old locations for the gc window"

out=$(rman --gc --age 0)
freed=$(summary_field "$out" bytes-freed)
net=$((bytes_all - $(store_bytes)))
tap_is "$?:$(summary_field "$out" objects-deleted):$(ref_entries | grep -c '#r$')" "0:4:0" \
    "gc then deletes the 4 old objects and the retired copies"
tap_ok "$([ $((net * 100)) -ge $((packs_bytes * 80)) ]; echo $?)" \
    "net space freed $net of $packs_bytes bytes (>= 80%; gc counted $freed bytes of block data)"
pairs=()
for f in "${live[@]}"; do pairs+=("$src/$(basename "$f"):$f"); done
rman_ops cmp "${pairs[@]}"
tap_ok $? "every live file reads back exact"
tap_is "$(stored_objects)" "$(live_objects)" "the store holds exactly the live files' objects"
tap_done
