#!/usr/bin/env bash
# pftool-pack-end.sh - pack streams end when the walk is over, whatever
# the order in which the workers fall idle.  One source directory is slow
# to read (--fault readdelay) and empty, so while it is read the workers
# that packed the other directories' small files are idle with files in
# their streams, and are kept waiting (more entries might come).  When
# the slow read ends, each of them must get its "nothing more" answer,
# even when a worker without pack files is asked first; a scheduler that
# stopped at the first worker it had nothing for left them waiting and
# the job never ended.  Objects of at most 3 files, so whether a worker
# still holds files when the walk ends varies, as does which rank reads
# the slow directory: several rounds, each under a time limit; exit 0
# and the tree copied back out of marfs is the source.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
pf_setup
rounds=${PACK_END_ROUNDS:-9}
tap_plan $((1 + 3 * rounds))

marfs_site site "s#<max_files>1024#<max_files>3#"
tap_ok $? "scratch marfs repo (objects of at most 3 files)"

src=$TAP_TMP/src
for d in a b c; do
    mkdir -p "$src/$d"
    for ((i = 0; i < 12; i++)); do
        head -c $((i * 97 + 1)) /dev/urandom >"$src/$d/f$i"
    done
done
mkdir -p "$src/slow0" "$src/slow1/inner"
nfiles=36

for ((r = 1; r <= rounds; r++)); do
    dst=$MARFS_TOP/proj/r$r
    # mostly 5 ranks (a scheduler and 4 workers: where the hang showed
    # most, about every other round), every third 3 (rank 0 works too);
    # the slow directories' delays vary
    np=$((r % 3 == 0 ? 3 : 5))
    timeout -k 5 30 pfcp -np $np -R \
        --fault="readdelay=slow0@$((300 * r)),readdelay=slow1/inner@$((200 + 150 * r))" \
        "$src" "$dst" >"$TAP_TMP/o$r" 2>&1
    rc=$?
    tap_is "$rc" 0 "round $r ($np ranks): pfcp ends, exit 0 (124: it hung)"
    pfcp -np 2 -R "$dst" "$TAP_TMP/back$r" >"$TAP_TMP/b$r" 2>&1 &&
        diff -r "$src" "$TAP_TMP/back$r" >/dev/null
    tap_ok $? "round $r: copied back out of marfs, the tree is the source"
    n=$(find "$TAP_TMP/back$r" -type f | wc -l)
    tap_is "$n" "$nfiles" "round $r: $nfiles files"
done
