#!/usr/bin/env bash
# fuse-readonly.sh - every modifying command through a marfs-fuse mount
# fails with "Read-only file system" (as root, who could otherwise do
# anything), and the tree in marfs is unchanged afterwards.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
. "$top_srcdir/tests/lib/fuse.sh"
fuse_require
tap_plan 23

marfs_site site
src=$TAP_TMP/src
mkdir -p "$src/dir/sub"
printf 'hello\n' >"$src/file"
printf 'inner\n' >"$src/dir/inner"
ln -s file "$src/link"
setfattr -n user.k -v v "$src/file"
pfcp -np 2 -R "$src" "$MARFS_TOP/proj/ro" >"$TAP_TMP/pfcp.out" 2>&1
tap_is "$?" 0 "pfcp a small tree into marfs"
before=$(marfs_listing "$src" "$MARFS_TOP/proj/ro")
mnt=$TAP_TMP/mnt
fuse_mount "$mnt"
tap_ok $? "mounted"
m=$mnt/proj/ro

# erofs DESCRIPTION CMD...: CMD fails, saying "Read-only file system"
erofs() {
    local what=$1 out
    shift
    out=$("$@" 2>&1 </dev/null)
    local rc=$?
    if [ "$rc" -ne 0 ] && grep -q "Read-only file system" <<<"$out"; then
        tap_ok 0 "$what: Read-only file system"
    else
        tap_ok 1 "$what: Read-only file system"
        tap_diag "exit $rc: $out"
    fi
}
erofs "touch a new file" touch "$m/new"
erofs "touch an existing file" touch "$m/file"
erofs "echo > an existing file" bash -c "echo x > '$m/file'"
erofs "echo >> an existing file" bash -c "echo x >> '$m/file'"
erofs "echo > a new file" bash -c "echo x > '$m/new2'"
erofs "rm a file" rm -f "$m/file"
erofs "rmdir" rmdir "$m/dir/sub"
erofs "rm -r a directory" rm -rf "$m/dir"
erofs "mv a file" mv "$m/file" "$m/file2"
erofs "mkdir" mkdir "$m/newdir"
erofs "chmod" chmod 600 "$m/file"
erofs "chown" chown 1:1 "$m/file"
erofs "ln (hard link)" ln "$m/file" "$m/hard"
erofs "ln -s" ln -s file "$m/sym"
erofs "setfattr" setfattr -n user.k -v w "$m/file"
erofs "setfattr -x" setfattr -x user.k "$m/file"
erofs "truncate" truncate -s 0 "$m/file"
erofs "cp into the mount" cp "$src/file" "$m/dir/copy"
erofs "mkfifo" mkfifo "$m/fifo"

tap_is "$(marfs_listing "$src" "$MARFS_TOP/proj/ro")" "$before" \
    "the tree in marfs is unchanged"
tap_is "$(cat "$m/file"; getfattr --only-values -n user.k "$m/file" 2>/dev/null)" \
    "hello
v" "contents and attributes still read"
tap_done
