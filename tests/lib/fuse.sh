# shellcheck shell=bash
# tests/lib/fuse.sh - helpers of the FUSE mount tests (fuse-*.sh): real
# marfs-fuse mounts under $TAP_TMP, always unmounted on exit; where an
# object's block files are.  Source after tests/lib/tap.sh,
# tests/lib/nasty-tree.sh and tests/lib/marfs-tree.sh.

# fuse_require: skip the test unless it can mount (root, /dev/fuse,
# fusermount3); puts marfs-fuse on PATH and sets up pftool's environment.
fuse_require() {
    if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] ||
        ! command -v fusermount3 >/dev/null; then
        echo "1..0 # SKIP needs root, /dev/fuse and fusermount3"
        exit 0
    fi
    pf_setup
    export PATH="$top_builddir/fuse-ro:$PATH"
    FUSE_N=0
    tap_on_exit fuse_cleanup
}

# fuse_mounted MNT: is MNT a marfs-fuse mount now?
fuse_mounted() {
    awk -v m="$1" '$2 == m && $3 == "fuse.marfs" { f = 1 } END { exit !f }' \
        /proc/mounts
}

# fuse_wait_mounted MNT [PID]: wait up to 10 s for the mount (while PID,
# if given, lives); status 1 if it never came.
fuse_wait_mounted() {
    local i
    for ((i = 0; i < 100; i++)); do
        fuse_mounted "$1" && return 0
        if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
            return 1
        fi
        sleep 0.1
    done
    return 1
}

# Mounts to undo on exit: "PID MNT" lines in $TAP_TMP/fuse-mounts (PID
# "-" for a daemon that went to the background by itself).

# fuse_mount MNT [ARGS...]: marfs-fuse -f in the background, mounted when
# it returns (status 1 otherwise, the daemon's log shown).  Sets
# FUSE_PID and FUSE_LOG (its stderr).
fuse_mount() {
    local mnt=$1
    shift
    mkdir -p "$mnt"
    FUSE_N=$((FUSE_N + 1))
    FUSE_LOG=$TAP_TMP/fuse-$FUSE_N.log
    marfs-fuse "$mnt" -f "$@" 2>"$FUSE_LOG" &
    FUSE_PID=$!
    echo "$FUSE_PID $mnt" >>"$TAP_TMP/fuse-mounts"
    if ! fuse_wait_mounted "$mnt" "$FUSE_PID"; then
        sed 's/^/# /' "$FUSE_LOG"
        return 1
    fi
}

# fuse_umount MNT [PID]: fusermount3 -u, then the daemon's exit status.
fuse_umount() {
    fusermount3 -u "$1" || return 1
    wait "${2:-$FUSE_PID}"
}

# Unmount and stop whatever is left (tap_on_exit).
fuse_cleanup() {
    local pid mnt
    [ -f "$TAP_TMP/fuse-mounts" ] || return 0
    while read -r pid mnt; do
        fuse_mounted "$mnt" && fusermount3 -u -z "$mnt"
        [ "$pid" = - ] || kill -9 "$pid" 2>/dev/null
    done <"$TAP_TMP/fuse-mounts"
    sleep 0.2
    return 0
}

# fuse_blocks FILE [OBJ]: "KIND PART BLOCKFILE" for each block of object
# number OBJ (1-based, default 1) of marfs file FILE, at the location
# `marfs stat` gives for it (the repo's data root is $FUSE_DATA).
fuse_blocks() {
    marfs stat "$1" | awk -v root="$FUSE_DATA" -v want="${2:-1}" '
        /^  object / { obj = $2; sub(/:$/, "", obj); gsub(/\//, "%2F", obj); n++ }
        /^    block / && n == want {
            b = $2; s = $8; p = $11; sub(/:/, "", b); sub(/:/, "", s); sub(/:/, "", p)
            print $9, p, root "/pod" $4 "/block" b "/cap" $6 "/scat" s "/" obj }'
}

# fuse_same_range A B OFF LEN: are LEN bytes at OFF of files A and B the
# same (and LEN bytes long, unless the files end first)?
fuse_same_range() {
    cmp -s <(dd if="$1" iflag=skip_bytes,count_bytes skip="$3" count="$4" \
                bs=64K status=none) \
           <(dd if="$2" iflag=skip_bytes,count_bytes skip="$3" count="$4" \
                bs=64K status=none)
}
