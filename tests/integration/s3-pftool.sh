#!/usr/bin/env bash
# s3-pftool.sh - pftool unchanged on an S3 repo, both signing paths:
# pfcp of a small tree (small files packed, a file chunked N:1 across
# ranks) into a namespace whose repo is on s3rver, pfcm --contents and
# --checksum against the source, pfcp back to POSIX byte-identical, the
# blocks really in the buckets, marfs verify and marfs-recover --check
# (which lists the buckets) content, and a removed file no longer read.
# (The resource manager's gc, and the mount, are not in this tree yet.)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/s3rver.sh"
. "$top_srcdir/tests/lib/s3cfg.sh"
pf_setup
tap_plan 16
s3rver_start
src=$TAP_TMP/src
nasty_tree "$src" 65536 300
rm -rf "$src/special"             # special files: not stored on marfs
head -c $((20 << 20)) /dev/urandom > "$src/big"    # 2 chunks of 16 MiB

# block objects in the buckets of signing path $sig
blocks() {
    local b n=0
    for b in 0 1 2 3 4 5; do
        n=$((n + $(s3_keys "marfs-$sig-pod0-block$b" | wc -l)))
    done
    echo $n
}

for sig in v2 v4; do
    export MARFS_CONFIG=$TAP_TMP/$sig.xml
    s3cfg "$MARFS_CONFIG" "$S3_ENDPOINT" $sig "<retries>3</retries>"
    # each path its own metadata root and buckets: separate repos
    sed -i -e "s#<ns_root>$TAP_TMP/meta#<ns_root>$TAP_TMP/meta-$sig#" \
        -e "s#<bucket>marfs-pod#<bucket>marfs-$sig-pod#" "$MARFS_CONFIG"
    marfs-verifyconf -q --check-dirs --fix "$MARFS_CONFIG" >/dev/null 2>&1
    dst=/campaign/proj/$sig
    pfcp -np 3 -R "$src" "$dst" >"$TAP_TMP/o1" 2>&1
    tap_is "$?" 0 "$sig: pfcp POSIX -> S3-backed marfs exits 0"
    n=$(blocks)
    [ "$n" -gt 0 ] && [ $((n % 6)) -eq 0 ]
    tap_ok $? "$sig: the data went to the buckets ($n block objects, 6 per object)"
    pfcm -np 3 -R --contents "$src" "$dst" >"$TAP_TMP/o2" 2>&1
    tap_is "$?" 0 "$sig: pfcm --contents: identical"
    pfcm -np 3 -R --checksum "$src" "$dst" >"$TAP_TMP/o3" 2>&1
    tap_is "$?" 0 "$sig: pfcm --checksum: identical"
    pfcp -np 3 -R "$dst" "$TAP_TMP/back-$sig" >"$TAP_TMP/o4" 2>&1 &&
        diff -r --no-dereference "$src" "$TAP_TMP/back-$sig" >/dev/null
    tap_ok $? "$sig: pfcp back to POSIX is byte-identical"
    marfs verify "$dst/big" >"$TAP_TMP/o5" 2>&1
    tap_is "$?" 0 "$sig: marfs verify reads every byte of the chunked file and checks its CRC"
    marfs-recover -q --check --bytes "$MARFS_CONFIG" >"$TAP_TMP/o6" 2>&1
    tap_is "$?" 0 "$sig: marfs-recover --check --bytes (lists the buckets) finds the namespace whole"
    [ $? -eq 0 ] || tap_diag "$(tail -5 "$TAP_TMP/o6")"
    marfs rm "$dst/big" >/dev/null 2>&1
    pfcm -np 2 --contents "$src/big" "$dst/big" >/dev/null 2>&1
    tap_ok $((! $?)) "$sig: a removed file no longer reads"
done
tap_done
