#!/usr/bin/env bash
# rman-crash.sh - marfs-rman --repack --gc killed with kill -9 right after
# each record of its write-ahead log in turn (MARFS_RMAN_CRASH_AT=K, the
# test hook of rman/wal.c), on a copy of one repo state: a dead pack, a
# mostly dead pack (repacked), a partly dead pack, dead and live chunked
# and N:1 files, a killed writer's file.  After every kill the next
# complete run must leave every live file byte-exact, the store holding
# exactly the objects the live tags name (no orphan), and an empty log.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rman.sh"
rman_setup
rman_site || { echo "Bail out! no site"; exit 1; }
tap_plan 9

src=$TAP_TMP/src
mkdir -p "$src"
for p in a b c; do
    for i in $(seq 1 4); do head -c $((i * 500 + 100)) /dev/urandom >"$src/$p$i"; done
done
for f in big1 big2; do head -c 150000 /dev/urandom >"$src/$f"; done
for f in n1 n2 hang; do head -c 140000 /dev/urandom >"$src/$f"; done
marfs mkdir "$TOP/d" &&
    for p in a b c; do
        rman_ops pack $(for i in $(seq 1 4); do printf '%s ' "$src/$p$i:$TOP/d/$p$i"; done) || exit 1
    done &&
    marfs put "$src/big1" "$src/big2" "$TOP/d" &&
    rman_ops nto1 "$src/n1" "$TOP/d/n1" && rman_ops nto1 "$src/n2" "$TOP/d/n2"
tap_is "$?" 0 "3 packs, 2 chunked and 2 N:1 files written"
rman_ops hang "$src/hang" "$TOP/d/hang" >"$TAP_TMP/hang.out" &
pid=$!
for _ in $(seq 50); do grep -q ready "$TAP_TMP/hang.out" && break; sleep 0.1; done
kill -9 "$pid"; wait "$pid" 2>/dev/null
marfs rm "$TOP/d/a1" "$TOP/d/a2" "$TOP/d/a3" "$TOP/d/a4" "$TOP/d/b1" "$TOP/d/b2" \
    "$TOP/d/b3" "$TOP/d/c1" "$TOP/d/big1" "$TOP/d/n1"
live=(b4 c2 c3 c4 big2 n2)
pairs=$(for f in "${live[@]}"; do printf '%s ' "$src/$f:$TOP/d/$f"; done)
tap_is "$(marfs ls "$TOP/d" | tr '\n' ' ')" "b4 big2 c2 c3 c4 hang n2 " \
    "6 live files and a killed writer's file"

cp -a "$TAP_TMP/site" "$TAP_TMP/snap"
restore() { rm -rf "$TAP_TMP/site" && cp -a "$TAP_TMP/snap" "$TAP_TMP/site"; }

# a complete run on the same state, for reference
rman --repack --gc --age 0 --writer-grace 0 >"$TAP_TMP/ref.out" 2>&1
tap_is "$?:$(summary_field "$(cat "$TAP_TMP/ref.out")" files-repacked)" "0:1" \
    "an uninterrupted run: exit 0, one file repacked"
want_objects=$(stored_objects | wc -l)

k=0 bad="" kills=0 rollbacks=0 forwards=0
while [ "$k" -lt 400 ]; do
    k=$((k + 1))
    restore
    MARFS_RMAN_CRASH_AT=$k rman --repack --gc --age 0 --writer-grace 0 >"$TAP_TMP/crash.out" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] && break            # K beyond the last record: done
    [ "$rc" -eq 137 ] || { bad="$bad k=$k:exit=$rc"; continue; }
    kills=$((kills + 1))
    rman --repack --gc --age 0 --writer-grace 0 -v >"$TAP_TMP/after.out" 2>&1 || bad="$bad k=$k:rerun"
    grep -q 'rolling back' "$TAP_TMP/after.out" && rollbacks=$((rollbacks + 1))
    grep -q 'finishing batch' "$TAP_TMP/after.out" && forwards=$((forwards + 1))
    # shellcheck disable=SC2086
    diffs=$(rman_ops cmp $pairs) || bad="$bad k=$k:lost[$diffs]"
    [ "$(stored_objects)" = "$(live_objects)" ] || bad="$bad k=$k:orphans"
    [ -s "$META/ns@/rman/wal" ] && bad="$bad k=$k:wal-left"
    [ "$(marfs ls "$TOP/d" | grep -c '^hang$')" -eq 0 ] || bad="$bad k=$k:hang-left"
done
tap_diag "killed at $kills log records; $rollbacks rolled back, $forwards finished forward"
tap_is "$bad" "" "after every kill the next run leaves all live bytes exact, no orphan, no log"
tap_ok "$([ "$kills" -ge 25 ]; echo $?)" "the run was killed at every one of its $kills records (>= 25)"
tap_ok "$([ "$rollbacks" -ge 1 ] && [ "$forwards" -ge 1 ]; echo $?)" \
    "kills both rolled repack back (new objects unfinished) and forward (switches logged)"
tap_is "$(stored_objects | wc -l)" "$want_objects" "the final store equals the uninterrupted run's"
# shellcheck disable=SC2086
rman_ops cmp $pairs
tap_ok $? "the live files read back exact"
expired=$(find "$META"/ns@/ref -type f -links 1 -exec getfattr -n user.marfs.expired {} + 2>/dev/null |
    grep -c '^user.marfs.expired=')
tap_is "$(ref_entries | wc -l):$expired" "8:2" \
    "left: the 6 live files' references and 2 expired ones (c1, big1 share objects with live files)"
tap_done
