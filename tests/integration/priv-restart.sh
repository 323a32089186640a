#!/usr/bin/env bash
# priv-restart.sh - a user's copy killed with kill -9 (the front-end,
# mpirun and every setuid rank at once, as a batch system ends a job)
# and rerun by the same user (doc/security.md): the rerun resumes from
# the journal in the user's own directory and completes, byte-identical;
# nothing the job left in the user's tree, journal directory or the copy
# out belongs to root; what it left in the reference tree and data roots
# belongs to the user too.  Another user cannot resume or spoil it.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
. "$top_srcdir/tests/lib/priv.sh"
pf_setup
export TZ=UTC
tap_plan 16

priv_setup
tap_ok $? "two users and the setuid programs in a scratch prefix"
priv_site site
tap_ok $? "a repo behind a barrier (1 MiB chunks)"
priv_userdir "$MARFS_TOP/scratch/A" "$PRIV_A"
tap_ok $? "root gives A a directory"
A=$PRIV_A
C=(--config "$PRIV_CFG")
src=$PRIV_HOME_A/src jnl=$PRIV_HOME_A/jnl dst=$MARFS_TOP/scratch/A/dst
# Three chunked files (3+4+6 = 13 chunks, N:1) and 60 small ones.
as_user "$A" bash -c '
    set -e
    mkdir -p src jnl
    head -c 3145728 /dev/urandom >src/big0
    head -c 4194000 /dev/urandom >src/big1
    head -c 5242881 /dev/urandom >src/big2 && chmod 0440 src/big2
    for d in 0 1 2; do
        mkdir src/small$d
        for i in $(seq 0 19); do head -c $((i * 53)) /dev/urandom >src/small$d/f$i; done
    done
    chmod 0400 src/small1/f3'
tap_ok $? "A's source: 3 chunked files, 60 small ones, some read-only"
nfiles=63 total_chunks=13

as_user "$A" pfcp -np 4 -R "${C[@]}" --journal "$jnl" \
    --fault='delay=big*@150,delay=small*@25' "$src" "$dst" >"$TAP_TMP/kill.out" 2>&1 &
job=$!
for ((i = 0; i < 300; i++)); do
    grep -qs '^chunk ' "$jnl"/*.pfj && marfs ls "$dst/small0" 2>/dev/null | grep -q '^f' && break
    sleep 0.1
done
tap_ok "$([ "$i" -lt 300 ]; echo $?)" "A's copy got under way (chunks journalled, small files in place)"
# kill -9 everything of the job, by pid
# shellcheck disable=SC2046
kill -9 $(pgrep -u "$A") 2>/dev/null
wait "$job"
for ((i = 0; i < 100; i++)); do
    [ -z "$(pgrep -u "$A")" ] && break
    sleep 0.1
done
tap_is "$(pgrep -u "$A" | wc -l)" 0 "kill -9 of the front-end, mpirun and every rank: nothing of A runs"
temps=$(marfs_temps "$dst")
tap_ok "$([ -n "$temps" ]; echo $?)" "the copy was interrupted (temporaries left: $(grep -c . <<<"$temps"))"

# B cannot take over A's interrupted copy.
as_user "$PRIV_B" pfcp -np 2 -R "${C[@]}" "$PRIV_HOME_B/tmp" "$dst/small0" >"$TAP_TMP/b.out" 2>&1
tap_is "$?:$(marfs_temps "$dst")" "1:$temps" "B's pfcp into A's copy fails and changes none of its temporaries"

as_user "$A" pfcp -np 4 -R "${C[@]}" --journal "$jnl" --json "$src" "$dst" \
    >"$TAP_TMP/rerun.json" 2>&1
tap_is "$?" 0 "A reruns the same command: exit 0"
chunks=$(json_field "$TAP_TMP/rerun.json" chunks_done)
tap_ok "$([ -n "$chunks" ] && [ "$chunks" -lt "$total_chunks" ]; echo $?)" \
    "the rerun resumed ($chunks of $total_chunks chunks recopied)"
as_user "$A" pfcm -np 3 -R --contents "${C[@]}" "$src" "$dst" >"$TAP_TMP/cm.out" 2>&1
tap_is "$?" 0 "A's pfcm --contents: identical"
tap_is "$(marfs_listing "$src" "$dst")" "$(posix_listing "$src")" \
    "listing exact: sizes, modes (read-only too), owner A, mtimes"
tap_is "$(marfs_states "$src" "$dst")|$(marfs_temps "$dst")|$(ls "$jnl")" "$nfiles complete||" \
    "every file complete, no temporary, no journal left"
as_user "$A" pfcp -np 4 -R "${C[@]}" "$dst" "$PRIV_HOME_A/back" >"$TAP_TMP/back.out" 2>&1 &&
    diff -r "$src" "$PRIV_HOME_A/back" >/dev/null
tap_ok $? "A copies it back out: byte-identical"

# Nothing of root's anywhere the job wrote.
root_owned=$(marfs_stat_tree "$src" "$dst" | awk -F'|' -v u="$PRIV_UA" '$6 != u')
tap_is "$root_owned$(user_files "$A" "$PRIV_HOME_A")" "" \
    "every entry of A's marfs tree, journal directory and copy out belongs to A"
ns=$PRIV_SECURE/meta/ns@scratch
tap_is "$(find "$ns/ref" "$PRIV_SECURE/data" -type f ! -user "$A")" "" \
    "every inode in the reference tree and every block A's jobs wrote belongs to A"
tap_done
