#!/usr/bin/env bash
# pftool-marfs-restart.sh - interrupted copies into marfs: kill -9 one
# worker rank, and separately the whole job, while several chunked files
# (6-10 MiB, 1 MiB repo chunks, N:1 writes) and many small files (pack
# streams) are being copied with --journal DIR (marfs destinations need
# it to resume chunk by chunk, doc/pftool.md).  At the kill: every file
# under its final name is complete and byte-identical, every temporary
# is incomplete and refuses reads (EBUSY).  The same command rerun
# resumes (fewer chunks than in all) and leaves a byte-identical tree
# (pfcm --contents; marfs -> POSIX copy, diff -r, listings), all tags
# complete, no temporary or journal.  Then pfsync into marfs after
# changing, adding and deleting source files copies exactly the changes
# (dry-run list, summary counts, final tree) and --delete removes the
# entries marfs has in excess.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
pf_setup
export TZ=UTC
export TMPDIR=$TAP_TMP     # what a killed front-end or mpirun leaves (status file, session dir)
tap_plan 45
tap_on_exit pf_kill_all

marfs_site site "s#<max_size>16M#<max_size>1M#"
tap_ok $? "scratch marfs repo (chunks of 1 MiB)"
top=$MARFS_TOP

# Six chunked files (6+7+7+8+10+10 = 48 chunks) and 300 small ones.
src=$TAP_TMP/src
mkdir -p "$src"
i=0
for size in 6291456 6291457 7340031 8388608 9449001 10485760; do
    head -c "$size" /dev/urandom >"$src/big$i"
    i=$((i + 1))
done
total_chunks=48
for ((d = 0; d < 5; d++)); do
    mkdir -p "$src/small$d"
    for ((i = 0; i < 60; i++)); do
        head -c $((i * 131)) /dev/urandom >"$src/small$d/f$i"
    done
done
chmod 0600 "$src/small1/f1" && chmod 0750 "$src/small2"
nfiles=306
# Slow the first run down so the kill lands mid-copy.
slow="--fault=delay=big*@100,delay=small*@20"

# rc_is GOT WANT DESCRIPTION OUTPUT: tap_is, showing OUTPUT on a mismatch.
rc_is() {
    tap_is "$1" "$2" "$3"
    [ "$1" = "$2" ] || grep -v '^{' "$4" | head -20 | sed 's/^/# /'
}

# progressed DST JNL: some chunk is journalled and some small file is in
# place under its final name.
progressed() {
    cat "$2"/*.pfj 2>/dev/null | grep -q '^chunk ' &&
        marfs ls "$1"/small0 "$1"/small1 "$1"/small2 "$1"/small3 "$1"/small4 \
            2>/dev/null | grep -q '^f[0-9]'
}

# rank_pid MPIRUN RANK: the pid of that MPI rank.
rank_pid() {
    local p
    for p in $(pgrep -P "$1"); do
        if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
            grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# alive_now PID...: how many of these processes run (zombies aside).
alive_now() {
    local p n=0
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] &&
            [ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" != Z ] &&
            n=$((n + 1))
    done
    echo "$n"
}

# alive PID...: alive_now after up to 5 s for them to go.
alive() {
    local i n
    for ((i = 0; i < 50; i++)); do
        n=$(alive_now "$@")
        [ "$n" -eq 0 ] && break
        sleep 0.1
    done
    echo "$n"
}

# run_and_kill DST JNL MODE: start the copy (4 ranks: 0 scheduler, 1
# output, 2-3 workers) in a process group of its own; once under way
# kill -9 worker rank 3 (MODE=rank) or mpirun and every rank at once
# (MODE=job, as a batch system ends a job); sets $killed_rc (the
# front-end's exit status) and $left (ranks still running after it).
run_and_kill() {
    local dst=$1 jnl=$2 mode=$3 pg mpirun ranks i
    setsid pfcp -np 4 -R --journal "$jnl" "$slow" "$src" "$dst" \
        >"$TAP_TMP/kill-$mode.out" 2>&1 &
    pg=$!
    echo "$pg" >>"$TAP_TMP/pf-pgids"
    for ((i = 0; i < 300; i++)); do
        progressed "$dst" "$jnl" && break
        sleep 0.1
    done
    [ "$i" -lt 300 ]
    tap_ok $? "$mode kill: the copy got under way (chunks journalled, small files in place)"
    mpirun=$(pgrep -g "$pg" -x mpirun | head -1)
    ranks=$(pgrep -P "$mpirun")
    if [ "$mode" = rank ]; then
        kill -9 "$(rank_pid "$mpirun" 3)"
    else
        # shellcheck disable=SC2086
        kill -9 "$mpirun" $ranks
    fi
    # At most 60 s for the front-end to notice (no watchdog subshell: a
    # signal sent to a fresh subshell can run this script's traps there).
    for ((i = 0; i < 600; i++)); do
        [ "$(alive_now "$pg")" = 0 ] && break
        sleep 0.1
    done
    [ "$i" -lt 600 ] || kill_tree "$pg"
    wait "$pg"
    killed_rc=$?
    # shellcheck disable=SC2086
    left=$(alive $ranks)
}

# state_at_kill DST MODE: finals complete and identical, temporaries
# unreadable (3 checks).
state_at_kill() {
    local dst=$1 mode=$2 entries finals temps bad=0 readable=0 p rel
    entries=$(pf_run pfls -np 2 -R "$dst" 2>/dev/null | sed '$d')
    finals=$(grep -E '/(big[0-9]|f[0-9]+)$' <<<"$entries")
    temps=$(marfs_temps "$dst")
    tap_diag "$mode kill: $(grep -c . <<<"$finals") of $nfiles files in place," \
        "$(grep -c . <<<"$temps") temporaries"
    [ -n "$temps" ] && [ "$(grep -c . <<<"$finals")" -lt "$nfiles" ]
    tap_ok $? "$mode kill: the copy was interrupted (temporaries left, files missing)"
    while IFS= read -r p; do
        [ -n "$p" ] || continue
        rel=${p#"$dst"/}
        marfs get "$p" - 2>/dev/null | cmp -s - "$src/$rel" || bad=$((bad + 1))
    done <<<"$finals"
    tap_is "$bad" 0 "$mode kill: every file under its final name reads back identical"
    while IFS= read -r p; do
        [ -n "$p" ] || continue
        marfs get "$p" - >/dev/null 2>"$TAP_TMP/get.err"
        grep -q 'the file is not complete' "$TAP_TMP/get.err" ||
            readable=$((readable + 1))
    done <<<"$temps"
    tap_is "$readable" 0 "$mode kill: every temporary is incomplete, open for read fails (EBUSY)"
}

# check_result DST JNL MODE LABEL: the finished copy (7 checks).
check_result() {
    local dst=$1 jnl=$2 mode=$3 label=$4 back=$TAP_TMP/back-$3
    pf_run pfcm -np 3 -R --contents "$src" "$dst" >"$TAP_TMP/cm-$mode" 2>&1
    rc_is "$?" 0 "$label: pfcm --contents: identical" "$TAP_TMP/cm-$mode"
    tap_is "$(marfs_listing "$src" "$dst")" "$(posix_listing "$src")" \
        "$label: marfs stat: sizes, modes, owners, mtimes match (dirs too)"
    tap_is "$(marfs_states "$src" "$dst")" "$nfiles complete" \
        "$label: every file's tag says complete (none left incomplete)"
    tap_is "$(marfs_temps "$dst")|$(find "$jnl" -type f | wc -l)" "|0" \
        "$label: no temporary in marfs, no journal left in --journal DIR"
    pf_run pfcp -np 4 -R "$dst" "$back" >"$TAP_TMP/back-$mode.out" 2>&1
    rc_is "$?" 0 "$label: marfs -> POSIX copy exits 0" "$TAP_TMP/back-$mode.out"
    diff -r "$src" "$back" >"$TAP_TMP/diff-$mode" 2>&1
    rc_is "$?" 0 "$label: diff -r source vs copy out of marfs: identical" "$TAP_TMP/diff-$mode"
    tap_is "$(posix_listing "$back")" "$(posix_listing "$src")" \
        "$label: copy out of marfs: sizes, modes, owners, mtimes match"
}

for mode in rank job; do
    dst=$top/proj/$mode jnl=$TAP_TMP/jnl-$mode
    mkdir -p "$jnl"
    run_and_kill "$dst" "$jnl" "$mode"
    rc_is "$killed_rc|$left" "3|0" \
        "$mode kill: the front-end exits 3 (did not complete), no rank left running" \
        "$TAP_TMP/kill-$mode.out"
    state_at_kill "$dst" "$mode"
    pf_run pfcp -np 4 -R --journal "$jnl" --json "$src" "$dst" >"$TAP_TMP/rerun-$mode.json" 2>&1
    rc_is "$?" 0 "$mode kill: the same command rerun exits 0" "$TAP_TMP/rerun-$mode.json"
    j=$TAP_TMP/rerun-$mode.json
    chunks=$(json_field "$j" chunks_done)
    [ -n "$chunks" ] && [ "$chunks" -lt "$total_chunks" ] &&
        [ $(($(json_field "$j" files_done) + $(json_field "$j" skipped))) -eq "$nfiles" ]
    tap_ok $? "$mode kill: the rerun resumed ($chunks of $total_chunks chunks recopied) and covered all $nfiles files"
    check_result "$dst" "$jnl" "$mode" "$mode kill, after the rerun"
done

marfs-recover --check "$MARFS_CONFIG" >"$TAP_TMP/recover1" 2>&1
rc=$?
tap_is "$rc|$(grep -c '^repo demo: check: 0 difference(s)' "$TAP_TMP/recover1")" "0|1" \
    "marfs-recover --check after the reruns: exit 0, the objects agree with the tree"
[ "$rc" -ne 0 ] && grep -v '^complete' "$TAP_TMP/recover1" | head -20 | sed 's/^/# /'

# ---- pfsync into marfs: exactly the changes ----------------------------------
dst=$top/proj/rank
head -c 999 /dev/urandom >"$src/small0/f5"                  # new bytes and size
head -c $((3 * 1048576 + 1000)) /dev/urandom >"$src/big2"   # 4 chunks now
mkdir "$src/small5"
for n in a b c; do head -c 77 /dev/urandom >"$src/small5/$n"; done
head -c $((5 * 1048576 + 7)) /dev/urandom >"$src/big6"      # 6 chunks
touch -d '2011-11-11 11:11:11' "$src/small3/f4"             # same bytes, new mtime
chmod 0604 "$src/small2/f3"                                 # metadata only
rm "$src/small1/f7" "$src/small1/f8"
rm -r "$src/small4"
printf 'extra\n' >"$TAP_TMP/extra"
marfs put "$TAP_TMP/extra" "$dst/extra-in-marfs" >/dev/null 2>&1
tap_is "$?" 0 "an entry only marfs has is put there"
sync_() { pf_run pfsync -np 4 "$@"; }

sync_ --dry-run --delete "$src" "$dst" >"$TAP_TMP/dry" 2>&1
rc=$?
got=$(grep -E '^(copy|update|mkdir|metadata|delete) ' "$TAP_TMP/dry" | sed "s#$dst/##" | LC_ALL=C sort)
want=$(printf '%s\n' "copy big6" "copy small5/a" "copy small5/b" "copy small5/c" \
    "mkdir small5" "update big2" "update small0/f5" "update small3/f4" \
    "metadata small2/f3" "delete small1/f7" "delete small1/f8" "delete small4" \
    "delete extra-in-marfs" | LC_ALL=C sort)
tap_is "$rc|$got" "0|$want" "pfsync --dry-run --delete lists exactly the changes"

sync_ --json "$src" "$dst" >"$TAP_TMP/s1.json" 2>&1
rc=$?
j=$TAP_TMP/s1.json
tap_is "$rc|$(json_field "$j" files_done)/$(json_field "$j" chunks_done)/$(json_field "$j" dirs_made)/$(json_field "$j" meta_fixed)/$(json_field "$j" deleted)" \
    "0|7/10/1/1/0" "pfsync: 7 files copied (10 chunks), 1 dir made, 1 mode fixed, nothing deleted"
pf_run pfls -np 2 -R "$dst" >"$TAP_TMP/ls1" 2>/dev/null
tap_is "$(grep -cE "^$dst/(small1/f7|small1/f8|small4|extra-in-marfs)\$" "$TAP_TMP/ls1")" 4 \
    "without --delete the extras stay in marfs"

sync_ --json --delete "$src" "$dst" >"$TAP_TMP/s2.json" 2>&1
rc=$?
j=$TAP_TMP/s2.json
tap_is "$rc|$(json_field "$j" files_done)/$(json_field "$j" deleted)" "0|0/4" \
    "pfsync --delete: copies nothing more, removes the 4 extras"
pf_run pfls -np 2 -R "$dst" >"$TAP_TMP/ls2" 2>/dev/null
tap_is "$(grep -cE "^$dst/(small1/f7|small1/f8|small4|extra-in-marfs)" "$TAP_TMP/ls2")" 0 \
    "the extras are gone from marfs"

sync_ --json --delete "$src" "$dst" >"$TAP_TMP/s3.json" 2>&1
rc=$?
j=$TAP_TMP/s3.json
tap_is "$rc|$(json_field "$j" files_done)/$(json_field "$j" meta_fixed)/$(json_field "$j" deleted)" "0|0/0/0" \
    "another pfsync --delete finds nothing to do"
nfiles=$(find "$src" -type f | wc -l)
check_result "$dst" "$TAP_TMP/jnl-rank" sync "after pfsync"

# Documented (man marfs-recover): objects keep deleted files until garbage
# collection and record the mode a file was written with, so --check now
# reports exactly the deleted paths and the chmod, and nothing else.
marfs-recover --check "$MARFS_CONFIG" >"$TAP_TMP/recover2" 2>&1
rc=$?
got=$(grep -E '^(missing|differs|orphan|damaged) ' "$TAP_TMP/recover2" | LC_ALL=C sort)
want=$( (printf 'differs /proj/rank/small2/f3: mode objects=0644 tree=0604\n'
    for f in small1/f7 small1/f8 extra-in-marfs $(seq -f 'small4/f%g' 0 59); do
        printf 'missing /proj/rank/%s: in the objects, not in the metadata tree\n' "$f"
    done) | LC_ALL=C sort)
tap_is "$rc|$got" "1|$want" \
    "marfs-recover --check after pfsync: exactly the 63 deleted paths and the chmod differ"
tap_done
