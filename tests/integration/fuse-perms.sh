#!/usr/bin/env bash
# fuse-perms.sh - who may read what through marfs-fuse.  A non-root user
# (created here, removed after) on a mount with allow_other: POSIX owner
# and mode apply (a 0600 file of another owner and a 0700 directory stay
# shut; a 0644 file reads); the namespaces' interactive permissions apply
# even to root (RM only: list but not read; NONE: not even list);
# without allow_other no other user gets in at all.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
. "$top_srcdir/tests/lib/fuse.sh"
fuse_require
tap_plan 16

batch='<batch>RM,WM,RD,WD</batch>'
marfs_site site "s#<ns name=\"scratch\">#<ns name=\"metaonly\"><perms><interactive>RM</interactive>$batch</perms></ns><ns name=\"hidden\"><perms><interactive>NONE</interactive>$batch</perms></ns><ns name=\"scratch\">#"
user=mfuse$$
useradd -M -N -s /usr/sbin/nologin "$user" 2>"$TAP_TMP/useradd.err"
tap_is "$?" 0 "a test user $user"
tap_on_exit "userdel $user"
as_user() { runuser -u "$user" -- "$@" 2>&1; }

src=$TAP_TMP/src
mkdir -p "$src/private"
printf 'for everyone\n' >"$src/public" && chmod 0644 "$src/public"
printf 'root only\n' >"$src/secret" && chmod 0600 "$src/secret"
printf 'inside\n' >"$src/private/inner" && chmod 0700 "$src/private"
pfcp -np 2 -R "$src" "$MARFS_TOP/proj/p" >"$TAP_TMP/pfcp.out" 2>&1 &&
    pfcp -np 2 "$src/public" "$MARFS_TOP/metaonly/f" >>"$TAP_TMP/pfcp.out" 2>&1 &&
    pfcp -np 2 "$src/public" "$MARFS_TOP/hidden/f" >>"$TAP_TMP/pfcp.out" 2>&1
tap_is "$?" 0 "pfcp into proj, metaonly and hidden (batch mode may write)"

chmod 0755 "$TAP_TMP"           # the user must reach the mount point
mnt=$TAP_TMP/mnt
fuse_mount "$mnt" -o allow_other
tap_ok $? "mounted with allow_other"
m=$mnt/proj/p

tap_is "$(as_user cat "$m/public")" "for everyone" "the user reads a 0644 file"
out=$(as_user cat "$m/secret")
tap_ok $(($? == 0)) "the user cannot read a 0600 file of root"
tap_is "$(grep -c 'Permission denied' <<<"$out")" 1 "... Permission denied"
tap_is "$(as_user ls "$m" | tr '\n' ' ')" "private public secret " \
    "the user lists the directory"
out=$(as_user ls "$m/private")
tap_ok $(($? == 0 || $(grep -c 'Permission denied' <<<"$out") != 1)) \
    "the user cannot list a 0700 directory of root"
out=$(as_user getfattr -n user.marfs.info "$m/secret")
tap_ok $(($? == 0 || $(grep -c 'Permission denied' <<<"$out") != 1)) \
    "nor read the info attribute of a file it may not read"
tap_is "$(cat "$m/secret")" "root only" "root reads the 0600 file"

tap_is "$(ls "$mnt/metaonly")" "f" "interactive RM: root lists metaonly"
out=$(cat "$mnt/metaonly/f" 2>&1)
tap_ok $(($? == 0 || $(grep -c 'Permission denied' <<<"$out") != 1)) \
    "interactive RM without RD: not even root reads the data"
out=$(ls "$mnt/hidden" 2>&1)
tap_ok $(($? == 0 || $(grep -c 'Permission denied' <<<"$out") != 1)) \
    "interactive NONE: not even root lists it"
fuse_umount "$mnt"
tap_is "$?" 0 "unmounted"

mnt2=$TAP_TMP/mnt2
fuse_mount "$mnt2"
out=$(as_user ls "$mnt2/proj/p")
tap_ok $(($? == 0 || $(grep -c 'Permission denied' <<<"$out") != 1)) \
    "without allow_other the user gets nothing"
fuse_umount "$mnt2"
tap_is "$?" 0 "unmounted"
tap_done
