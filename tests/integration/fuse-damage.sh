#!/usr/bin/env bash
# fuse-damage.sh - reads through marfs-fuse of damaged objects (4+2, one
# object per file): with E = 2 blocks deleted the bytes are exact, the
# log names the object and it is flagged for rebuild; with E + 1 the
# reader gets EIO (never wrong bytes) and the log names the object; the
# mount keeps serving the other files; user.marfs.info reports degraded
# and lost objects.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
. "$top_srcdir/tests/lib/fuse.sh"
fuse_require
tap_plan 16

marfs_site site 's#<packing enabled="yes">#<packing enabled="no">#'
FUSE_DATA=$TAP_TMP/site/data
src=$TAP_TMP/src
mkdir "$src"
for f in a b c; do head -c 700000 /dev/urandom >"$src/$f"; done
pfcp -np 2 -R "$src" "$MARFS_TOP/proj/d" >"$TAP_TMP/pfcp.out" 2>&1
tap_is "$?" 0 "pfcp three files into marfs, one object each"

objname() { marfs stat "$1" | sed -n 's/^  object \([^:]*\):.*/\1/p' | head -1; }
# lose FILE N: delete N block files of FILE's object
lose() {
    fuse_blocks "$1" 1 | head -"$2" | while read -r _ _ f; do rm "$f"; done
}
obj_a=$(objname "$MARFS_TOP/proj/d/a")
obj_b=$(objname "$MARFS_TOP/proj/d/b")
lose "$MARFS_TOP/proj/d/a" 2
lose "$MARFS_TOP/proj/d/b" 3
tap_is "$(find "$FUSE_DATA" -type f | wc -l)" 13 "5 of 18 block files deleted"

mnt=$TAP_TMP/mnt
fuse_mount "$mnt"
tap_ok $? "mounted"
m=$mnt/proj/d
cmp -s "$src/a" "$m/a"
tap_ok $? "E blocks lost: the file reads exactly"
tap_is "$(grep -c "object $obj_a has 2 damaged block(s).*needs a rebuild" "$FUSE_LOG")" 1 \
    "... and the log names the object once, for a rebuild"
tap_is "$(grep -c " $obj_a\$" "$TAP_TMP/site/meta/ns@proj/damaged" 2>&1)" 1 \
    "... and flags it for rebuild in its namespace's damaged list, once"
out=$(cat "$m/b" 2>&1 >"$TAP_TMP/b.out")
rc=$?
tap_ok $((rc == 0)) "E+1 blocks lost: cat fails"
tap_is "$(grep -c 'Input/output error' <<<"$out")" 1 "... with EIO"
tap_is "$(cmp -s "$TAP_TMP/b.out" <(head -c "$(stat -c %s "$TAP_TMP/b.out")" "$src/b") && echo same)" \
    "same" "... after no wrong byte"
tap_ok $(($(grep -c "$obj_b" "$FUSE_LOG") == 0)) "... and the log names the object"
tap_ok $(($(grep -c "read $MARFS_TOP/proj/d/b .*Input/output error" "$FUSE_LOG") == 0)) \
    "... and the file"
cmp -s "$src/c" "$m/c"
tap_ok $? "the mount keeps serving other files"
dd if="$m/a" iflag=direct bs=64K status=none | cmp -s - "$src/a"
tap_ok $? "and the damaged-but-recoverable one, again"
tap_is "$(getfattr --only-values -n user.marfs.info "$m/a" 2>/dev/null |
          grep -E '^(health|damaged):')" \
"health: degraded (1 objects need a rebuild)
damaged: $obj_a (2 of 6 blocks bad)" "user.marfs.info: degraded, the object named"
tap_is "$(getfattr --only-values -n user.marfs.info "$m/b" 2>/dev/null |
          grep -E '^(health|lost):')" \
"health: lost (1 objects unreadable, 0 need a rebuild)
lost: $obj_b (3 of 6 blocks bad)" "user.marfs.info: lost, the object named"
fuse_umount "$mnt"
tap_is "$?" 0 "clean unmount"
tap_done
