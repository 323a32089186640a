#!/usr/bin/env bash
# pftool-basic.sh - pfcp of the nasty tree POSIX to POSIX with 2, 4 and 6
# ranks; after each copy pfcm --contents and independent checks (diff -r,
# find/stat listings, getfattr, hard-link groups, sparse allocation) agree
# the trees are identical; a rerun copies nothing.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup
tap_plan 29

src=$TAP_TMP/src
nasty_tree "$src" 65536 20000
tap_ok $? "nasty tree generated"

for np in 2 4 6; do
    dst=$TAP_TMP/dst$np
    pfcp -np "$np" -R --chunk-size 64K "$src" "$dst" >"$TAP_TMP/cp.out" 2>&1
    rc=$?
    tap_is "$rc" 0 "pfcp with $np ranks exits 0"
    [ "$rc" -ne 0 ] && sed 's/^/# /' "$TAP_TMP/cp.out" | head -20
    pfcm -np "$np" -R --contents "$src" "$dst" >"$TAP_TMP/cm.out" 2>&1
    rc=$?
    tap_is "$rc" 0 "pfcm --contents with $np ranks finds the trees identical"
    [ "$rc" -ne 0 ] && sed 's/^/# /' "$TAP_TMP/cm.out" | head -20
    trees_same "$src" "$dst" "$np ranks"
done

pfcp -np 3 -R --chunk-size 64K --json "$src" "$TAP_TMP/dst2" >"$TAP_TMP/re.json" 2>&1
tap_is "$?:$(json_field "$TAP_TMP/re.json" files_done)" "0:0" \
    "rerunning the same copy copies nothing"
tap_done
