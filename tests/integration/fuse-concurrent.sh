#!/usr/bin/env bash
# fuse-concurrent.sh - many readers at once through one marfs-fuse mount:
# 8 readers of random ranges of three chunked files (O_DIRECT, so every
# read reaches the daemon) with a cache far smaller than the data, then 8
# whole-file readers of one file at once; every byte compared with the
# source.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
. "$top_srcdir/tests/lib/fuse.sh"
fuse_require
tap_plan 6

marfs_site site 's#<max_size>16M#<max_size>1M#'
src=$TAP_TMP/src
mkdir "$src"
sizes=($((7 * 1048576 + 3)) $((3 * 1048576 + 100)) $((2 * 1048576 - 5)))
for i in 0 1 2; do
    head -c "${sizes[$i]}" /dev/urandom >"$src/f$i"
done
pfcp -np 4 -R "$src" "$MARFS_TOP/proj/c" >"$TAP_TMP/pfcp.out" 2>&1
tap_is "$?" 0 "pfcp three chunked files into marfs"
mnt=$TAP_TMP/mnt
fuse_mount "$mnt" -o cache_size=3M,readahead=2M
tap_ok $? "mounted with a 3 MiB cache"
m=$mnt/proj/c

# reader N: 40 random ranges; prints the bad ones
reader() {
    local n=$1 k f off len
    RANDOM=$((n * 7919 + 1))
    for ((k = 0; k < 40; k++)); do
        f=$((RANDOM % 3))
        off=$(((RANDOM * 32768 + RANDOM) % ${sizes[$f]}))
        len=$(((RANDOM * 32768 + RANDOM) % 1500000 + 1))
        cmp -s <(dd if="$m/f$f" iflag=direct,skip_bytes,count_bytes \
                    skip="$off" count="$len" bs=256K status=none) \
               <(dd if="$src/f$f" iflag=skip_bytes,count_bytes \
                    skip="$off" count="$len" bs=256K status=none) ||
            echo "reader $n: f$f $off+$len differs"
    done
}
pids=()
for n in 1 2 3 4 5 6 7 8; do
    reader "$n" >"$TAP_TMP/reader-$n.out" 2>&1 &
    pids+=($!)
done
wait_ok=0
for p in "${pids[@]}"; do wait "$p" || wait_ok=1; done
tap_is "$(cat "$TAP_TMP"/reader-*.out)" "" \
    "8 concurrent readers of random ranges read exactly the source"
tap_is "$wait_ok" 0 "every reader finished"

want=$(md5sum <"$src/f0")
pids=()
for n in 1 2 3 4 5 6 7 8; do
    (dd if="$m/f0" iflag=direct bs=128K status=none | md5sum >"$TAP_TMP/whole-$n") &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
tap_is "$(cat "$TAP_TMP"/whole-* | sort -u)" "$want" \
    "8 concurrent whole-file readers of one file"
fuse_umount "$mnt"
tap_is "$?" 0 "clean unmount"
tap_done
