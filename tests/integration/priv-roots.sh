#!/usr/bin/env bash
# priv-roots.sh - users cannot reach the data roots or the reference tree
# (doc/security.md): not directly, not through a crafted path ("..",
# reserved names), a symlink (stored in marfs or in their own tree), a
# config override (their own file, a root-owned one they could swap or
# that is group-writable or unreadable to them, roots not behind a
# barrier), an environment variable (MARFS_CONFIG, MARFS_FAULT,
# LD_PRELOAD), nor through a running setuid rank's fds; the
# administrator tools refuse to run setuid.  pftool and marfs are
# installed setuid root in a scratch prefix; two users made for the test.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
. "$top_srcdir/tests/lib/priv.sh"
pf_setup
export TZ=UTC
tap_plan 41

priv_setup
tap_ok $? "two users and the setuid programs in a scratch prefix"
priv_site site
tap_ok $? "a repo behind a barrier"
priv_userdir "$MARFS_TOP/scratch/A" "$PRIV_A"
tap_ok $? "root gives A a directory"
C=(--config "$PRIV_CFG")
S=$PRIV_SECURE SITE1_SECURE=$PRIV_SECURE
A=$PRIV_A
ns=$S/meta/ns@scratch
blockdir=$S/data/pod0/block0/cap0/scat0
echo data >"$TAP_TMP/f" && chmod 0644 "$TAP_TMP/f"
as_user "$A" marfs "${C[@]}" put "$TAP_TMP/f" "$MARFS_TOP/scratch/A/f"
tap_is "$?" 0 "A stores a file (its inode in ref/, its blocks in the data root)"

# What a user's process may see of the secure roots: nothing.
snapshot() { (cd "$S" && find . -printf '%p %U %m %s\n' | LC_ALL=C sort); }
before=$(snapshot)
for u in "$PRIV_A" "$PRIV_B"; do
    out=$(as_user "$u" bash -c "
        ls '$S'; ls '$S/meta'; ls '$S/data'; ls '$ns/ref'; cat '$ns/usage'
        ls '$blockdir'; touch '$blockdir/x'; touch '$ns/ref/x'
        mkdir '$S/data/pod0/evil'; ln -s / '$S/meta/evil'" 2>&1)
    n=$(printf '%s\n' "$out" | grep -c 'Permission denied')
    tap_is "$n:$(printf '%s\n' "$out" | grep -vc 'Permission denied')" "10:0" \
        "$u: every direct look or change under the roots: Permission denied"
done

# Crafted marfs paths
M=(marfs "${C[@]}")
out=$(as_user "$A" "${M[@]}" get "$MARFS_TOP/../$ns/usage" - 2>&1)
tap_is "$?:$out" "1:marfs: get $MARFS_TOP/../$ns/usage: Invalid argument" \
    "a path climbing out of mnt_top is refused"
out=$(as_user "$A" "${M[@]}" get "$MARFS_TOP/scratch/A/../../../../../../../..$ns/usage" - 2>&1)
tap_is "$?" 1 "a path climbing out of a namespace is refused"
tap_is "$(as_user "$A" "${M[@]}" ls "$MARFS_TOP/scratch/A/../.." 2>&1 | tr '\n' ' ')" \
    "proj scratch " "'..' to the top lists the namespaces, nothing of their directories"
out=$(as_user "$A" "${M[@]}" put "$TAP_TMP/f" "$MARFS_TOP/scratch/A/.marfs-tmp-x" 2>&1)
tap_is "$?:$out" "1:marfs: put $MARFS_TOP/scratch/A/.marfs-tmp-x: Operation not permitted" \
    "internal names cannot be created"
out=$(as_user "$A" "${M[@]}" ls "$MARFS_TOP/scratch/.marfs-mkdir-1-1" 2>&1)
tap_is "$?" 1 "... nor looked up"

# Symlinks: stored in marfs by pfcp from A's own tree, pointing at the
# roots (absolute, and climbing with ..), and used as directories.
as_user "$A" bash -c "mkdir links && ln -s '$ns/ref' links/abs &&
    ln -s ../../../../../../../../../..$blockdir links/up && ln -s '$S/data' links/data"
as_user "$A" pfcp -np 2 -R "${C[@]}" "$PRIV_HOME_A/links" "$MARFS_TOP/scratch/A/links" \
    >"$TAP_TMP/links.out" 2>&1
tap_is "$?" 0 "A copies its symlinks into marfs (as symlinks)"
L=$MARFS_TOP/scratch/A/links
before=$(snapshot)
fails=0
for cmd in "ls $L/abs" "ls $L/abs/" "ls $L/up/" "ls -l $L/data/pod0" "get $L/up/x -" \
    "put $TAP_TMP/f $L/abs/evil" "put $TAP_TMP/f $L/up/evil" "mkdir $L/data/evil" \
    "chmod 0777 $L/abs" "chmod 0777 $L/up" "verify $L/abs/x"; do
    # shellcheck disable=SC2086
    as_user "$A" "${M[@]}" $cmd >/dev/null 2>&1 || fails=$((fails + 1))
done
tap_is "$fails" 11 "every use of such a link as a path fails"
tap_is "$(snapshot)" "$before" "the roots are exactly as before: nothing created, changed or removed"
as_user "$A" pfcp -np 2 -R "${C[@]}" "$L" "$PRIV_HOME_A/links-back" >/dev/null 2>&1
tap_is "$?:$(readlink "$PRIV_HOME_A/links-back/abs")" "0:$ns/ref" \
    "copied out, the links are links again (nothing behind them was read)"

# pftool pointed at the roots as POSIX paths
mkdir -p "$TAP_TMP/bigsrc" && head -c 2500000 /dev/urandom >"$TAP_TMP/bigsrc/big" &&
    chmod -R a+rX "$TAP_TMP/bigsrc"
before=$(snapshot)
as_user "$A" pfcp -np 2 -R "${C[@]}" "$TAP_TMP/bigsrc" "$blockdir/stolen" >/dev/null 2>&1
rc=$?
as_user "$A" pfcp -np 2 -R "${C[@]}" "$S/data" "$PRIV_HOME_A/data-copy" >/dev/null 2>&1
tap_is "$rc:$?" "1:1" "pfcp into a block directory, or of the data root: both fail"
tap_is "$(snapshot)" "$before" "the roots are still untouched"
as_user "$A" pfcp -np 2 -R "${C[@]}" --journal "$ns/ref" "$TAP_TMP/bigsrc" \
    "$MARFS_TOP/scratch/A/jnl" >"$TAP_TMP/jnl.out" 2>&1
tap_is "$?:$(grep -c 'restart journal: Permission denied' "$TAP_TMP/jnl.out"):$(find "$ns/ref" -maxdepth 1 -type f | wc -l)" \
    "1:1:0" "a restart journal in ref/: Permission denied, nothing written there"

# Config overrides: a setuid program trusts only a root-owned file no one
# else can change, that the user can read, with roots behind a barrier.
cfgs=$TAP_TMP/cfgs
mkdir -p "$cfgs" && chmod 0755 "$cfgs"
refused() {  # refused CONFIG WHAT: marfs and pfcp as A, exit 2 and WHAT said
    local out rc
    out=$(as_user "$A" marfs --config "$1" ls "$MARFS_TOP/scratch/A" 2>&1)
    rc=$?
    as_user "$A" pfcp -np 2 --config "$1" "$TAP_TMP/f" "$MARFS_TOP/scratch/A/g" >/dev/null 2>&1
    tap_is "$rc:$?:$(printf '%s' "$out" | grep -c -- "$2")" "2:2:1" \
        "config $3: refused by marfs and pfcp ($2)"
}
# A's own config, with roots of its own: A could read everything there
sed "s#$S#$PRIV_HOME_A/mine#g" "$PRIV_CFG" >"$cfgs/mine.xml"
chown "$A" "$cfgs/mine.xml"
refused "$cfgs/mine.xml" "owned by uid $PRIV_UA" "owned by the user"
mkdir -p "$PRIV_HOME_A/etc" && chown "$A" "$PRIV_HOME_A/etc" &&
    cp "$PRIV_CFG" "$PRIV_HOME_A/etc/marfs.xml"
refused "$PRIV_HOME_A/etc/marfs.xml" "belongs to uid $PRIV_UA" "root's, in a directory the user owns"
cp "$PRIV_CFG" "$cfgs/gw.xml" && chmod 0664 "$cfgs/gw.xml"
refused "$cfgs/gw.xml" "mode 0664" "group-writable"
cp "$PRIV_CFG" "$cfgs/secret.xml" && chmod 0600 "$cfgs/secret.xml"
refused "$cfgs/secret.xml" "not readable by uid $PRIV_UA" "the user cannot read"
mkdir -p "$TAP_TMP/open"
sed "s#$S#$TAP_TMP/open#g" "$PRIV_CFG" >"$cfgs/open.xml"
marfs-verifyconf -q --check-dirs --fix "$cfgs/open.xml" >/dev/null 2>&1 &&
    chmod 0711 "$TAP_TMP/open/meta" "$TAP_TMP/open/data"
refused "$cfgs/open.xml" "no directory on the way to it keeps users out" "roots not behind a barrier"
out=$(cd "$cfgs" && as_user "$A" marfs --config site.xml ls "$MARFS_TOP" 2>&1)
tap_is "$?:$(printf '%s' "$out" | grep -c 'only an absolute path')" "2:1" "a relative config path is refused"
tap_ok "$([ ! -e "$PRIV_HOME_A/mine" ]; echo $?)" \
    "nothing was created at the roots A's own config names"

# Environment variables
out=$(as_user "$A" MARFS_LOG=warn MARFS_CONFIG="$PRIV_CFG" marfs ls "$MARFS_TOP/scratch/A" 2>&1)
rc=$?
tap_is "$((rc != 0)):$(printf '%s' "$out" | grep -c 'MARFS_CONFIG is ignored by a setuid program: using /')" \
    "1:1" "MARFS_CONFIG is ignored: the installed default is used (none here)"
cat >"$TAP_TMP/evil.c" <<'EOF'
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
    const char *m = getenv("EVIL_MARK");
    if (m != NULL)
        close(open(m, O_CREAT | O_WRONLY, 0644));
}
EOF
cc -shared -fPIC -o "$TAP_TMP/evil.so" "$TAP_TMP/evil.c" && chmod 0755 "$TAP_TMP/evil.so" &&
    cp "$PRIV_BIN/marfs" "$PRIV_HOME_A/marfs-plain" && chown "$A" "$PRIV_HOME_A/marfs-plain"
as_user "$A" LD_PRELOAD="$TAP_TMP/evil.so" EVIL_MARK="$PRIV_HOME_A/mark1" \
    "$PRIV_HOME_A/marfs-plain" --help >/dev/null 2>&1
as_user "$A" LD_PRELOAD="$TAP_TMP/evil.so" EVIL_MARK="$PRIV_HOME_A/mark2" \
    marfs --config "$PRIV_CFG" ls "$MARFS_TOP/scratch/A" >/dev/null 2>&1
tap_is "$?:$(cd "$PRIV_HOME_A" && ls mark* 2>/dev/null | tr '\n' ' ')" "0:mark1 " \
    "LD_PRELOAD runs in a plain copy of marfs, never in the setuid one"

# A running setuid rank: dropped for good, holding the roots' fds, out of
# its user's reach.
mkdir -p "$TAP_TMP/slow" && for i in $(seq 1 20); do echo "$i" >"$TAP_TMP/slow/f$i"; done
chmod -R a+rX "$TAP_TMP/slow"
as_user "$A" pfcp -np 2 -R --config "$PRIV_CFG" --fault='delay=*@200' "$TAP_TMP/slow" \
    "$MARFS_TOP/scratch/A/slow" >"$TAP_TMP/slow.out" 2>&1 &
job=$!
rank=""
for ((i = 0; i < 100; i++)); do
    for p in $(pgrep -u "$A" -x pftool); do
        ls -l "/proc/$p/fd" 2>/dev/null | grep -q "$S/data" && rank=$p && break
    done
    [ -n "$rank" ] && break
    sleep 0.1
done
tap_ok "$([ -n "$rank" ]; echo $?)" "a setuid rank of A's job holds an fd of the data root"
ids=$(awk '/^Uid:|^Gid:/ { print $2, $3, $4, $5 }' "/proc/$rank/status" | tr '\n' ' ')
tap_is "$ids" "$PRIV_UA $PRIV_UA $PRIV_UA $PRIV_UA $PRIV_USERS_GID $PRIV_USERS_GID $PRIV_USERS_GID $PRIV_USERS_GID " \
    "... and runs as A for good: real, effective, saved and file-system ids"
nofd=$(as_user "$A" bash -c "ls /proc/$rank/fd; ls -l /proc/$rank/fd/3; cat /proc/$rank/environ; ls /proc/$rank/cwd/" 2>&1 |
    grep -c 'Permission denied')
tap_is "$nofd" 4 "A cannot look at the rank's fds, environment or directory"
wait "$job"
tap_is "$?" 0 "the slow copy completes"
tap_is "$(marfs ls "$MARFS_TOP/scratch/A/slow" | wc -l)" 20 "... with every file"

# MARFS_FAULT, on a repo whose DAL is wrapped in the fault DAL
priv_site fsite 's#<DAL type="posix">#<DAL type="fault"><DAL type="posix">#' \
    's#</DAL>#</DAL></DAL>#' && priv_userdir "$MARFS_TOP/scratch/A" "$A"
tap_ok $? "a second repo whose DAL is wrapped in the fault DAL"
MARFS_FAULT='op=open_write err=EIO' marfs put "$TAP_TMP/f" "$MARFS_TOP/scratch/root-f" \
    >/dev/null 2>&1
rc=$?
as_user "$A" MARFS_FAULT='op=open_write err=EIO' marfs --config "$PRIV_CFG" put \
    "$TAP_TMP/f" "$MARFS_TOP/scratch/A/f"
tap_is "$rc:$?:$(as_user "$A" marfs --config "$PRIV_CFG" get "$MARFS_TOP/scratch/A/f" -)" \
    "1:0:data" "MARFS_FAULT breaks root's own put, and is ignored by the setuid marfs"

# The administrator tools refuse to run setuid.
for t in marfs-recover marfs-ne marfs-verifyconf marfs-rman; do
    out=$(as_user "$A" "$t" "$PRIV_CFG" 2>&1)
    tap_is "$?:$out" "2:$t: an administrator tool; it must not be installed setuid or setgid (see doc/security.md)" \
        "$t installed setuid refuses to run"
done
out=$(as_user "$A" marfs --config "$PRIV_CFG" recover --check 2>&1)
tap_is "$?:$out" "2:marfs: recover is an administrator command; this marfs is installed setuid" \
    "marfs recover is refused"
strays=$(find "$SITE1_SECURE" "$PRIV_SECURE" \( -name x -o -name evil -o -name stolen \
    -o -name 'mark*' \) -print; find "$SITE1_SECURE" -type f \
    ! -name usage ! -name lock ! -user "$A" -print)
tap_is "$strays" "" "after all that: the roots hold only what A's copies put there"
tap_is "$(priv_strays)" "" "the users' jobs left nothing in /tmp or /dev/shm"
tap_done
