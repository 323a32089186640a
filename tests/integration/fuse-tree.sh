#!/usr/bin/env bash
# fuse-tree.sh - a varied tree copied in by pfcp (packed small files,
# chunked N:1 files, sparse and empty files, hard links, symlinks, user
# xattrs, odd names and modes, deep nesting, empty dirs) and read back
# through a real marfs-fuse mount with ordinary tools: diff -r, find -ls,
# stat, getfattr -d, tar, dd at odd offsets across stripe (256 KiB) and
# chunk (1 MiB) boundaries, df; the info attribute; a clean unmount.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
. "$top_srcdir/tests/lib/fuse.sh"
fuse_require
tap_plan 20
export TZ=UTC

marfs_site site 's#<max_size>16M#<max_size>1M#'
FUSE_DATA=$TAP_TMP/site/data
src=$TAP_TMP/src
nasty_tree "$src" $((1 << 20)) 2000
rm -r "$src/special"            # marfs has none (pftool skips them)
mkdir "$src/packed"
for i in $(seq 1 300); do
    head -c $(((i * 7919) % 9000)) /dev/urandom >"$src/packed/p$i"
done
head -c $((5 * 1048576 + 12345)) /dev/urandom >"$src/bigfile"
pfcp -np 4 -R "$src" "$MARFS_TOP/proj/t" >"$TAP_TMP/pfcp.out" 2>&1
tap_is "$?" 0 "pfcp the tree into marfs"

mnt=$TAP_TMP/mnt
fuse_mount "$mnt"
tap_ok $? "marfs-fuse mounts the namespace tree"
m=$mnt/proj/t

diff -r --no-dereference "$src" "$m" >"$TAP_TMP/diff.out" 2>&1
tap_ok $? "diff -r: the mount reads byte-identical to the source"
head -5 "$TAP_TMP/diff.out" | sed 's/^/# /'
tap_is "$(cd "$m" && find . | wc -l)" "$(cd "$src" && find . | wc -l)" \
    "find: as many entries as the source"
tap_is "$(find "$m" -ls | wc -l)" "$(find "$src" -ls | wc -l)" \
    "find -ls: every entry can be stat'ed"
tap_is "$(tree_meta "$m" | md5sum)" "$(tree_meta "$src" | md5sum)" \
    "types, modes, owners, sizes, mtimes, link targets match"
tap_is "$(cd "$m" && stat -c '%n %s %a %u %g %Y %h' bigfile links/a/file sizes/empty)" \
    "$(cd "$src" && stat -c '%n %s %a %u %g %Y %h' bigfile links/a/file sizes/empty)" \
    "stat: sizes, modes, owners, mtimes, link counts"
tap_is "$(tree_hardlinks "$m")" "$(tree_hardlinks "$src")" \
    "hard links share an inode number through the mount"
tap_is "$(tree_xattrs "$m")" "$(tree_xattrs "$src")" \
    "getfattr -d: the same user xattrs"
tap_is "$(getfattr -d -m - "$m/sizes/big-5x" 2>/dev/null | grep -c "^user\.marfs")" 0 \
    "the library's own attributes are hidden"

tarsum() { tar -C "$1" --sort=name --format=gnu -cf - . | md5sum; }
tap_is "$(tarsum "$m")" "$(tarsum "$src")" \
    "tar c through the mount equals tar of the source"

bad=0
for off in 0 1 262143 262144 262145 1048575 1048576 1048577 \
    $((3 * 1048576 - 7)) $((5 * 1048576 + 12000)); do
    for len in 1 4095 65537 262144 1048577; do
        fuse_same_range "$src/bigfile" "$m/bigfile" "$off" "$len" ||
            { bad=$((bad + 1)); tap_diag "differs: $off+$len"; }
    done
done
tap_is "$bad" 0 "dd at odd offsets and lengths across stripes and chunks"
bad=0
for i in 3 150 299; do
    fuse_same_range "$src/packed/p$i" "$m/packed/p$i" 17 1000 || bad=1
done
tap_is "$bad" 0 "dd inside packed small files"

info=$(getfattr --only-values -n user.marfs.info "$m/bigfile" 2>&1)
tap_is "$(grep -E '^(state|size|protection|objects|health):' <<<"$info")" \
"state: complete
size: 5255225
protection: 4+2
objects: 6
health: ok" "user.marfs.info says where the file is and that it is healthy"
tap_is "$(sed -n 's/^crc64: //p' <<<"$info")" \
    "$(marfs stat "$MARFS_TOP/proj/t/bigfile" | sed -n 's/^  crc: //p')" \
    "user.marfs.info gives the stored CRC"
getfattr -n user.marfs.info "$m/sizes" >/dev/null 2>&1
tap_ok $((! $?)) "directories have no info attribute"

tap_is "$(df -B1 --output=size "$m" | tail -1 | tr -d ' ')" $((10 << 40)) \
    "df shows the proj namespace's 10T quota"
tap_is "$(awk -v m="$mnt" '$2 == m { split($4, o, ","); print $3, o[1] }' /proc/mounts)" \
    "fuse.marfs ro" "mounted read-only, type fuse.marfs"
fuse_umount "$mnt"
tap_is "$?" 0 "fusermount3 -u: the daemon exits 0"
fuse_mounted "$mnt"
tap_ok $((! $?)) "no mount is left behind"
tap_done
