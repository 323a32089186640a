# shellcheck shell=bash
# tests/lib/priv.sh - helpers of the privilege tests (priv-*.sh,
# doc/security.md): two throw-away users and a group, the suite's
# programs installed setuid root into a scratch prefix, a repo whose
# roots sit behind a barrier only root may pass, and running commands as
# a user with an explicit environment.  Source after tests/lib/tap.sh,
# tests/lib/nasty-tree.sh and tests/lib/marfs-tree.sh.
#
# After priv_setup:
#   PRIV_A, PRIV_B        user names (mfsu_<random>a/b); A is in PRIV_G
#   PRIV_UA, PRIV_UB      their uids;  PRIV_GID the gid of PRIV_G
#   PRIV_BIN              the scratch prefix's bin (pftool, marfs setuid)
#   PRIV_HOME_A/_B        a home of each user (0755, theirs)
#   PRIV_USERS_GID        the users' primary group (users)

priv_setup() {
    local tag
    tag=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
    PRIV_A=mfsu_${tag}a PRIV_B=mfsu_${tag}b PRIV_G=mfsg_${tag}
    # Users must reach the prefix and their homes below $TAP_TMP.
    chmod 0755 "$TAP_TMP" || return 1
    tap_on_exit priv_cleanup
    groupadd "$PRIV_G" &&
        useradd -M -N -g users -G "$PRIV_G" -s /bin/bash "$PRIV_A" &&
        useradd -M -N -g users -s /bin/bash "$PRIV_B" || return 1
    PRIV_UA=$(id -u "$PRIV_A") PRIV_UB=$(id -u "$PRIV_B")
    PRIV_GID=$(getent group "$PRIV_G" | cut -d: -f3)
    PRIV_USERS_GID=$(id -g "$PRIV_A")
    PRIV_HOME_A=$TAP_TMP/home/a PRIV_HOME_B=$TAP_TMP/home/b
    mkdir -p "$PRIV_HOME_A/tmp" "$PRIV_HOME_B/tmp" &&
        chmod 0755 "$TAP_TMP/home" "$PRIV_HOME_A" "$PRIV_HOME_B" &&
        chown -R "$PRIV_A:users" "$PRIV_HOME_A" &&
        chown -R "$PRIV_B:users" "$PRIV_HOME_B" || return 1
    priv_install
}

# The programs as a site installs them: pftool and marfs setuid root,
# the front-ends beside pftool, the administrator tools too (setuid by
# mistake, to show that they refuse).
priv_install() {
    PRIV_BIN=$TAP_TMP/prefix/bin
    mkdir -p "$PRIV_BIN" && chmod 0755 "$TAP_TMP/prefix" "$PRIV_BIN" &&
        cp "$top_builddir/pftool/pftool" "$top_builddir/tools/marfs" \
            "$top_builddir/tools/marfs-recover" "$top_builddir/tools/marfs-ne" \
            "$top_builddir/tools/marfs-verifyconf" "$top_builddir/pftool/pfcp" \
            "$top_builddir/pftool/pfls" "$top_builddir/pftool/pfcm" \
            "$top_builddir/pftool/pfsync" "$top_builddir/rman/marfs-rman" \
            "$PRIV_BIN/" &&
        chown root:root "$PRIV_BIN"/* &&
        chmod 4755 "$PRIV_BIN/pftool" "$PRIV_BIN/marfs" \
            "$PRIV_BIN/marfs-recover" "$PRIV_BIN/marfs-ne" \
            "$PRIV_BIN/marfs-verifyconf" "$PRIV_BIN/marfs-rman"
}

# priv_site NAME [SED-EXPR...]: a repo from config/demo.xml (1 MiB
# chunks) under $TAP_TMP/NAME: the config root's (0644), the metadata
# and data roots in NAME/secure (0700, the barrier); namespaces made by
# a first run as root.  Sets PRIV_CFG, PRIV_SECURE, MARFS_TOP; exports
# MARFS_CONFIG for root's tools.
priv_site() {
    local dir=$TAP_TMP/$1 e
    shift
    local args=(-e "s#/tmp/marfs-demo/meta#$dir/secure/meta#g"
        -e "s#/tmp/marfs-demo/data#$dir/secure/data#g"
        -e "s#<max_size>16M#<max_size>1M#")
    for e in "$@"; do args+=(-e "$e"); done
    mkdir -p "$dir" && chmod 0755 "$dir" && mkdir -m 0700 "$dir/secure" &&
        sed "${args[@]}" "$top_srcdir/config/demo.xml" >"$dir/marfs.xml" &&
        chmod 0644 "$dir/marfs.xml" &&
        marfs-verifyconf -q --check-dirs --fix "$dir/marfs.xml" >/dev/null &&
        marfs --config "$dir/marfs.xml" ls /campaign >/dev/null || return 1
    PRIV_CFG=$dir/marfs.xml PRIV_SECURE=$dir/secure
    export MARFS_CONFIG=$PRIV_CFG     # root's own tools (marfs-tree.sh)
    MARFS_TOP=$(sed -n 's#.*<mnt_top>\(.*\)</mnt_top>.*#\1#p' "$PRIV_CFG")
}

# root_marfs ARGS...: the build's marfs as root on the site.
root_marfs() { marfs --config "$PRIV_CFG" "$@"; }

# priv_userdir MARFS-PATH USER [MODE]: a directory an administrator
# gives a user.
priv_userdir() {
    root_marfs mkdir -p "$1" && root_marfs chown "$2" "$1" &&
        root_marfs chmod "${3:-0755}" "$1"
}

# as_user USER [NAME=VALUE...] CMD ARGS...: CMD as USER (its groups
# included), in its home, with an environment of the test's choosing
# only (plus NAME=VALUE), the setuid prefix first in PATH.
as_user() {
    local user=$1 home
    shift
    case "$user" in
        "$PRIV_A") home=$PRIV_HOME_A ;;
        "$PRIV_B") home=$PRIV_HOME_B ;;
        *) home=/ ;;
    esac
    (cd "$home" && setpriv --reuid="$user" --regid=users --init-groups \
        env -i PATH="$PRIV_BIN:/usr/bin:/bin" HOME="$home" \
        TMPDIR="$home/tmp" LC_ALL=C TZ=UTC MARFS_LOG="${MARFS_LOG:-error}" \
        PFTOOL_CONF=/dev/null OMPI_MCA_rmaps_base_oversubscribe=1 \
        OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader \
        OMPI_MCA_btl_vader_backing_directory="$PF_SHM" \
        OMPI_MCA_mpi_yield_when_idle=0 "$@")
}

# user_files USER DIR...: entries below DIR not owned by USER (should
# print nothing).
user_files() {
    local user=$1
    shift
    find "$@" ! -user "$user" -printf '%p %u\n' 2>&1
}

# What the users left in /tmp and /dev/shm (should be nothing).
priv_strays() {
    find /tmp /dev/shm -maxdepth 2 \( -user "$PRIV_A" -o -user "$PRIV_B" \) \
        -print 2>/dev/null
}

priv_cleanup() {
    local u pids
    for u in "$PRIV_A" "$PRIV_B"; do
        id "$u" >/dev/null 2>&1 || continue
        pids=$(pgrep -u "$u")
        # shellcheck disable=SC2086
        [ -n "$pids" ] && kill -9 $pids
        userdel "$u"
    done
    getent group "$PRIV_G" >/dev/null && groupdel "$PRIV_G"
    return 0
}
