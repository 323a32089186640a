#!/usr/bin/env bash
# fuse-lifecycle.sh - a marfs-fuse mount over time: a file pfcp adds
# after mounting appears, and a file pfcp replaces reads as its new
# contents, within the documented 2 s timeouts (even when the kernel had
# cached the old name, pages or absence); df shows the namespace's quota;
# the daemon goes to the background and reports a bad config; SIGTERM
# unmounts cleanly; with auto_unmount, kill -9 leaves no stale mount.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
. "$top_srcdir/tests/lib/fuse.sh"
fuse_require
tap_plan 19
TIMEOUT=2                       # the documented default (doc/fuse.md)

marfs_site site
src=$TAP_TMP/src
mkdir -p "$src/dir"
printf 'version one\n' >"$src/dir/file"
pfcp -np 2 -R "$src" "$MARFS_TOP/proj/l" >"$TAP_TMP/pfcp.out" 2>&1
tap_is "$?" 0 "pfcp a small tree into marfs"

mnt=$TAP_TMP/mnt
fuse_mount "$mnt"
tap_ok $? "mounted (foreground)"
m=$mnt/proj/l
cat "$m/dir/file" >/dev/null                 # name and pages cached
stat "$m/dir/late" >/dev/null 2>&1           # absence cached
ls "$m/dir" >/dev/null
printf 'a late file\n' >"$src/dir/late"
printf 'version two, longer\n' >"$src/dir/file"
pfcp -np 2 -R "$src" "$MARFS_TOP/proj/l" >"$TAP_TMP/pfcp2.out" 2>&1
tap_is "$?" 0 "pfcp adds a file and replaces one while mounted"
sleep $((TIMEOUT + 1))
tap_is "$(cat "$m/dir/late" 2>&1)" "a late file" \
    "the added file appears within the timeout"
tap_is "$(ls "$m/dir" | tr '\n' ' ')" "file late " "... and is listed"
tap_is "$(cat "$m/dir/file" 2>&1)" "version two, longer" \
    "the replaced file reads as its new contents within the timeout"

tap_is "$(df -B1 --output=size "$m" | tail -1 | tr -d ' ')" $((10 << 40)) \
    "df shows the namespace's 10T quota"
tap_is "$(df --output=itotal "$m" | tail -1 | tr -d ' ')" 1048576 \
    "df -i shows its 1M files quota"

kill -TERM "$FUSE_PID"
wait "$FUSE_PID"
tap_is "$?" 0 "SIGTERM: the daemon exits 0"
fuse_mounted "$mnt"
tap_ok $((! $?)) "... and the mount is gone"

# in the background: exit 0 once mounted, logs to the file
marfs-fuse "$mnt" -o log="$TAP_TMP/bg.log",log_level=info 2>"$TAP_TMP/bg.err"
tap_is "$?" 0 "marfs-fuse goes to the background once mounted"
fuse_mounted "$mnt"
tap_ok $? "... and the mount is up"
echo "- $mnt" >>"$TAP_TMP/fuse-mounts"       # unmounted on exit
tap_is "$(cat "$m/dir/late" 2>&1)" "a late file" "... and serves"
fusermount3 -u "$mnt"
for ((i = 0; i < 50; i++)); do
    grep -q unmounted "$TAP_TMP/bg.log" && break
    sleep 0.1
done
tap_is "$(grep -c "info: /campaign unmounted from $mnt" "$TAP_TMP/bg.log")" 1 \
    "fusermount3 -u: the daemon logs the unmount and ends"

marfs-fuse "$mnt" --config "$TAP_TMP/nope.xml" 2>"$TAP_TMP/bad.err"
tap_is "$?" 2 "a missing config: exit 2"
tap_ok $(($(grep -c "nope.xml" "$TAP_TMP/bad.err") == 0)) "... naming it"
fuse_mounted "$mnt"
tap_ok $((! $?)) "... and nothing mounted"

# auto_unmount: the kernel's mount goes with the daemon
fuse_mount "$mnt" -o auto_unmount
kill -9 "$FUSE_PID"
wait "$FUSE_PID" 2>/dev/null
for ((i = 0; i < 50; i++)); do
    fuse_mounted "$mnt" || break
    sleep 0.1
done
fuse_mounted "$mnt"
tap_ok $((! $?)) "kill -9 with auto_unmount: no stale mount"
ls "$mnt" >/dev/null 2>&1
tap_ok $? "... the mount point is a plain directory again"
tap_done
