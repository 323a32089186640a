#!/usr/bin/env bash
# pftool-restart.sh - kill -9 one rank, and separately the whole job, in
# the middle of copying several chunked files and many small ones; rerun
# the same command: the result is byte-identical, chunked files resumed
# from their journals (fewer chunks copied than in all), and no
# temporary or journal file remains.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup
tap_plan 12

src=$TAP_TMP/src
nbig=8 big=$((2 << 20)) chunk=$((128 << 10))
total_chunks=$((nbig * big / chunk))
mkdir -p "$src"
for ((i = 0; i < nbig; i++)); do head -c "$big" /dev/urandom > "$src/big$i"; done
for ((d = 0; d < 6; d++)); do
    mkdir -p "$src/small$d"
    for ((i = 0; i < 50; i++)); do head -c $((i * 97)) /dev/urandom > "$src/small$d/f$i"; done
done
# Slow the first run down so the kill lands mid-copy.
slow="--fault=delay=big*@40,delay=small*@5"

# wait_journal DST: until some chunk has been journalled (max 20 s).
wait_journal() {
    local i
    for ((i = 0; i < 200; i++)); do
        if [ -n "$(find "$1" -name '*.pfj~' -size +200c 2>/dev/null | head -1)" ]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# run_and_kill DST MODE: start pfcp in its own process group, kill -9
# one rank (MODE=rank) or the whole job (MODE=job) once chunks are done.
run_and_kill() {
    local dst=$1 mode=$2 pgid mpirun rank
    # TMPDIR: the front-end killed with -9 cannot remove its status file
    TMPDIR=$TAP_TMP setsid pfcp -np 4 -R --chunk-size 128K "$slow" "$src" "$dst" \
        >"$TAP_TMP/kill.out" 2>&1 &
    pgid=$!
    tap_on_exit "kill -9 -- -$pgid"
    wait_journal "$dst"
    tap_ok $? "$mode kill: the copy got under way"
    if [ "$mode" = rank ]; then
        mpirun=$(pgrep -g "$pgid" -x mpirun | head -1)
        rank=$(pgrep -P "$mpirun" | tail -1)
        kill -9 "$rank"
    else
        # The batch system's view: mpirun and every rank at once (ranks
        # sit in process groups of their own).
        mpirun=$(pgrep -g "$pgid" -x mpirun | head -1)
        kill -9 -- -"$pgid" $(pgrep -P "$mpirun")
    fi
    wait "$pgid" 2>/dev/null
    local rc=$?
    [ "$rc" -ne 0 ]
    tap_ok $? "$mode kill: the interrupted job did not report success (exit $rc)"
}

for mode in rank job; do
    dst=$TAP_TMP/dst-$mode
    run_and_kill "$dst" "$mode"
    pfcp -np 4 -R --chunk-size 128K --json "$src" "$dst" >"$TAP_TMP/rerun.json" 2>&1
    tap_is "$?" 0 "$mode kill: the rerun exits 0"
    chunks=$(json_field "$TAP_TMP/rerun.json" chunks_done)
    [ -n "$chunks" ] && [ "$chunks" -lt "$total_chunks" ]
    tap_ok $? "$mode kill: chunked files resumed ($chunks of $total_chunks chunks recopied)"
    diff -r "$src" "$dst" >/dev/null && [ "$(tree_meta "$src")" = "$(tree_meta "$dst")" ]
    tap_ok $? "$mode kill: the result is byte-identical with the same metadata"
    [ -n "${PF_DEBUG:-}" ] && { diff -r "$src" "$dst"; diff <(tree_meta "$src") <(tree_meta "$dst"); }
    tap_is "$(tree_temps "$dst")" 0 "$mode kill: no temporary or journal file remains"
done
tap_done
