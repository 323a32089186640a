#!/usr/bin/env bash
# priv-users.sh - the batch tools run by ordinary users (doc/security.md):
# pftool and marfs installed setuid root in a scratch prefix, two users
# made for the test.  User A copies a tree (small packed files, chunked
# N:1 files, read-only files, a 0600 file, a symlink) into a namespace
# directory A owns and back out: files owned by A, exact listing and
# content.  User B: reading A's 0600 file fails with EACCES (marfs get,
# pfcp), writing, removing or chmod'ing in A's 0755 directory fails,
# listing it works, B's own copy works.  chown follows POSIX, a setgid
# directory passes its group on, the user's umask applies.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
. "$top_srcdir/tests/lib/priv.sh"
pf_setup
export TZ=UTC
tap_plan 38

priv_setup
tap_ok $? "two users ($PRIV_A, $PRIV_B) and the setuid programs in a scratch prefix"
priv_site site
tap_ok $? "a repo behind a barrier (roots in a 0700 directory)"
priv_userdir "$MARFS_TOP/scratch/A" "$PRIV_A" && priv_userdir "$MARFS_TOP/scratch/B" "$PRIV_B"
tap_ok $? "root gives each user a directory in the namespace"
C=(--config "$PRIV_CFG")

# A's tree: small files (packed), two chunked files (1 MiB chunks, N:1),
# read-only files of both kinds, a private file, a symlink, an empty dir.
src=$PRIV_HOME_A/src
as_user "$PRIV_A" bash -c '
    set -e
    mkdir -p src/small src/sub/deep src/empty
    for i in 0 1 2 3 4 5 6 7 8 9; do head -c $((i * 97 + 1)) /dev/urandom >src/small/f$i; done
    head -c 3670016 /dev/urandom >src/big
    head -c 2300000 /dev/urandom >src/ro_big && chmod 0444 src/ro_big
    echo read-only >src/ro_small && chmod 0444 src/ro_small
    echo "private to A" >src/secret && chmod 0600 src/secret
    echo group >src/g640 && chmod 0640 src/g640
    echo deep >src/sub/deep/file
    ln -s small/f1 src/link
    touch -d "2020-02-02 02:02:02.123456789" src/small/f3 src/big'
tap_ok $? "A makes a source tree in its home"

as_user "$PRIV_A" pfcp -np 4 -R "${C[@]}" "$src" "$MARFS_TOP/scratch/A/dst" \
    >"$TAP_TMP/a-in.out" 2>&1
tap_is "$?" 0 "A: pfcp into its namespace directory"
tap_is "$(marfs_listing "$src" "$MARFS_TOP/scratch/A/dst")" "$(posix_listing "$src")" \
    "A's copy: names, types, sizes, modes, owner A, group, mtimes exact"
tap_is "$(marfs_states "$src" "$MARFS_TOP/scratch/A/dst")" "16 complete" \
    "every file complete (read-only ones included)"
tap_is "$(marfs_temps "$MARFS_TOP/scratch/A/dst")" "" "no temporary left"

as_user "$PRIV_A" pfcp -np 4 -R "${C[@]}" "$MARFS_TOP/scratch/A/dst" \
    "$PRIV_HOME_A/back" >"$TAP_TMP/a-out.out" 2>&1
tap_is "$?" 0 "A: pfcp back out of marfs"
diff -r "$src" "$PRIV_HOME_A/back" >/dev/null
tap_ok $? "A's copy back: byte-identical"
tap_is "$(posix_listing "$PRIV_HOME_A/back")" "$(posix_listing "$src")" \
    "A's copy back: same listing (owner A)"
tap_is "$(user_files "$PRIV_A" "$PRIV_HOME_A")" "" "nothing in A's home belongs to anyone else"

# B and A's private file
as_user "$PRIV_B" marfs "${C[@]}" get "$MARFS_TOP/scratch/A/dst/secret" - \
    >"$TAP_TMP/b-get.out" 2>"$TAP_TMP/b-get.err"
tap_is "$?:$(cat "$TAP_TMP/b-get.err")" \
    "1:marfs: get $MARFS_TOP/scratch/A/dst/secret: Permission denied" \
    "B: marfs get of A's 0600 file fails with EACCES"
tap_is "$(stat -c %s "$TAP_TMP/b-get.out")" 0 "... and prints none of it"
as_user "$PRIV_B" pfcp -np 2 "${C[@]}" "$MARFS_TOP/scratch/A/dst/secret" \
    "$PRIV_HOME_B/stolen" >"$TAP_TMP/b-cp.out" 2>&1
rc=$?
grep -q "secret.*Permission denied" "$TAP_TMP/b-cp.out"
tap_is "$rc:$?:$(ls "$PRIV_HOME_B")" "1:0:tmp" "B: pfcp of A's 0600 file fails with EACCES, nothing written"
as_user "$PRIV_B" pfcp -np 3 -R "${C[@]}" "$MARFS_TOP/scratch/A/dst" \
    "$PRIV_HOME_B/copy" >"$TAP_TMP/b-cpr.out" 2>&1
tap_is "$?" 1 "B: pfcp -R of A's directory: some files failed"
diff -r -x secret "$src" "$PRIV_HOME_B/copy" >/dev/null && [ ! -e "$PRIV_HOME_B/copy/secret" ]
tap_ok $? "... every file POSIX lets B read was copied exactly, the 0600 one not"

# B and A's 0755 directory
before=$(root_marfs ls "$MARFS_TOP/scratch/A/dst")
echo b >"$TAP_TMP/bfile" && chmod 0644 "$TAP_TMP/bfile"
as_user "$PRIV_B" marfs "${C[@]}" put "$TAP_TMP/bfile" "$MARFS_TOP/scratch/A/dst/bfile" \
    2>"$TAP_TMP/b-put.err"
tap_is "$?:$(cat "$TAP_TMP/b-put.err")" \
    "1:marfs: put $MARFS_TOP/scratch/A/dst/bfile: Permission denied" \
    "B: marfs put into A's 0755 directory fails with EACCES"
as_user "$PRIV_B" marfs "${C[@]}" mkdir "$MARFS_TOP/scratch/A/dst/bdir" 2>/dev/null
tap_is "$?" 1 "B: marfs mkdir there fails"
as_user "$PRIV_B" pfcp -np 2 -R "${C[@]}" "$PRIV_HOME_B/copy/sub" \
    "$MARFS_TOP/scratch/A/dst/bsub" >"$TAP_TMP/b-cpw.out" 2>&1
rc=$?
grep -q "Permission denied" "$TAP_TMP/b-cpw.out"
tap_is "$rc:$?" "1:0" "B: pfcp into A's directory fails with EACCES"
as_user "$PRIV_B" marfs "${C[@]}" rm "$MARFS_TOP/scratch/A/dst/small/f1" 2>/dev/null
tap_is "$?" 1 "B: marfs rm of A's file fails"
as_user "$PRIV_B" marfs "${C[@]}" chmod 0666 "$MARFS_TOP/scratch/A/dst/g640" 2>/dev/null
tap_is "$?" 1 "B: marfs chmod of A's file fails"
tap_is "$(root_marfs ls "$MARFS_TOP/scratch/A/dst")" "$before" "A's directory is unchanged"
tap_is "$(as_user "$PRIV_B" marfs "${C[@]}" ls "$MARFS_TOP/scratch/A/dst" 2>&1)" "$before" \
    "B: listing A's directory works"
n=$(as_user "$PRIV_B" pfls -np 2 -R -q "${C[@]}" "$MARFS_TOP/scratch/A/dst" 2>&1 |
    sed -n 's/^pfls: \([0-9]*\) entries.*/\1/p')
tap_is "$n" 22 "B: pfls -R of A's directory lists every entry"

# B's own copy
as_user "$PRIV_B" pfcp -np 3 -R "${C[@]}" "$PRIV_HOME_B/copy" "$MARFS_TOP/scratch/B/dst" \
    >"$TAP_TMP/b-own.out" 2>&1
tap_is "$?" 0 "B: pfcp into its own directory"
tap_is "$(marfs_listing "$PRIV_HOME_B/copy" "$MARFS_TOP/scratch/B/dst")" \
    "$(posix_listing "$PRIV_HOME_B/copy")" "B's copy: exact, owned by B"

# chown as POSIX has it
g640=$MARFS_TOP/scratch/A/dst/g640
owner() { root_marfs stat "$1" | sed -n 's/^Mode: .*Uid: \([0-9]*\) .*Gid: \([0-9]*\) .*/\1:\2/p'; }
as_user "$PRIV_B" marfs "${C[@]}" chown "$PRIV_B" "$g640" 2>"$TAP_TMP/chown.err"
tap_is "$?:$(cat "$TAP_TMP/chown.err")" "1:marfs: chown $g640: Operation not permitted" \
    "B cannot take A's file"
as_user "$PRIV_A" marfs "${C[@]}" chown "$PRIV_B" "$g640" 2>/dev/null
tap_is "$?:$(owner "$g640")" "1:$PRIV_UA:$PRIV_USERS_GID" "A cannot give its file away"
as_user "$PRIV_A" marfs "${C[@]}" chown ":$PRIV_G" "$g640"
tap_is "$?:$(owner "$g640")" "0:$PRIV_UA:$PRIV_GID" "A changes the group to one of its groups"
as_user "$PRIV_A" marfs "${C[@]}" chown :root "$g640" 2>/dev/null
tap_is "$?:$(owner "$g640")" "1:$PRIV_UA:$PRIV_GID" "... but not to a group it is not in"
root_marfs chown "$PRIV_B:users" "$g640"
tap_is "$?:$(owner "$g640")" "0:$PRIV_UB:$PRIV_USERS_GID" "root gives the file to B"

# a setgid directory of A's group; the umask
shared=$MARFS_TOP/scratch/shared
priv_userdir "$shared" "$PRIV_A" 2775 && root_marfs chown ":$PRIV_G" "$shared" &&
    root_marfs chmod 2775 "$shared"
as_user "$PRIV_A" marfs "${C[@]}" put "$TAP_TMP/bfile" "$shared/f"
tap_is "$?:$(owner "$shared/f")" "0:$PRIV_UA:$PRIV_GID" \
    "a file A makes in a setgid directory gets the directory's group"
as_user "$PRIV_B" marfs "${C[@]}" put "$TAP_TMP/bfile" "$shared/g" 2>/dev/null
tap_is "$?" 1 "B, not in the group, cannot write there"
as_user "$PRIV_A" bash -c "umask 077 && marfs --config '$PRIV_CFG' put '$TAP_TMP/bfile' '$shared/u'"
tap_is "$?:$(root_marfs ls -l "$shared/u" | cut -c1-10)" "0:-rw-------" \
    "A's umask applies to what it creates"
tap_is "$(as_user "$PRIV_A" marfs "${C[@]}" get "$shared/u" -)" "b" "... and the file is complete"

# what a user sees of a file, and what it leaves behind
as_user "$PRIV_A" marfs "${C[@]}" stat "$MARFS_TOP/scratch/A/dst/big" >"$TAP_TMP/stat.out"
grep -q '^Tag: (objects and blocks are shown to administrators)' "$TAP_TMP/stat.out" &&
    ! grep -q -e "$PRIV_SECURE" -e 'ref:' "$TAP_TMP/stat.out"
tap_ok $? "A's marfs stat shows POSIX fields, no tag, objects or block paths"
tap_is "$(priv_strays)" "" "the users' jobs left nothing in /tmp or /dev/shm"
tap_done
