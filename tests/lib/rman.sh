# shellcheck shell=bash
# tests/lib/rman.sh - helpers of the marfs-rman integration tests: a small
# scratch repo (4 KiB parts, 64 KiB chunks, 8 files per object, so packed,
# chunked and N:1 files take kilobytes), and views of it made without
# marfs-rman: the objects the data store holds (block file names) and the
# objects the tags of files with a user name point at (getfattr + awk).
# Source after tests/lib/tap.sh.

rman_setup() {
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_pml=ob1
    export OMPI_MCA_btl=self,vader
    # shared-memory segments of this test's MPI jobs in a directory of its
    # own, removed on exit (as pf_setup in tests/lib/nasty-tree.sh)
    RMAN_SHM=$(mktemp -d /dev/shm/marfs-mpi.XXXXXX)
    chmod 1777 "$RMAN_SHM"
    tap_on_exit rm -rf "$RMAN_SHM"
    export OMPI_MCA_btl_vader_backing_directory=$RMAN_SHM
    # Open MPI's session directories too (else /tmp/ompi.HOST.UID, shared
    # by every job on the machine: one job removing it as another makes
    # it fails the other's start with "mkdir ... File exists"); 1777, as
    # /tmp: jobs run as nobody too.
    mkdir -m 1777 "$RMAN_SHM/ompi"
    export OMPI_MCA_orte_tmpdir_base=$RMAN_SHM/ompi
    export PFTOOL_CONF=/dev/null MARFS_LOG=${MARFS_LOG:-error} LC_ALL=C
    export PATH="$top_builddir/rman:$top_builddir/tests/helpers:$top_builddir/pftool:$top_builddir/tools:$PATH"
    # The libtool wrapper scripts cost ~0.5 s per run (they fork sed and
    # ls); the crash and property tests run the tools hundreds of times,
    # so use the real binaries when the build has them.
    local d
    if [ -e "$top_builddir/.libs/libmarfs.so" ]; then
        for d in tools tests/helpers rman; do
            [ -d "$top_builddir/$d/.libs" ] && PATH="$top_builddir/$d/.libs:$PATH"
        done
        export LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
}

# rman_site [SED-EXPR...]: the repo under $TAP_TMP/site; exports
# MARFS_CONFIG, TOP (mnt_top), DATA (block root), META (metadata root).
rman_site() {
    local dir=$TAP_TMP/site e
    local args=(-e "s#/tmp/marfs-demo#$dir#g" -e 's#<PSZ>64K#<PSZ>4K#'
        -e 's#<max_size>16M#<max_size>64K#' -e 's#<max_files>1024#<max_files>8#')
    for e in "$@"; do args+=(-e "$e"); done
    mkdir -p "$dir" &&
        sed "${args[@]}" "$top_srcdir/config/demo.xml" >"$dir/marfs.xml" &&
        marfs-verifyconf -q --check-dirs --fix "$dir/marfs.xml" >/dev/null 2>&1 ||
        return 1
    export MARFS_CONFIG=$dir/marfs.xml DATA=$dir/data META=$dir/meta
    TOP=$(sed -n 's#.*<mnt_top>\(.*\)</mnt_top>.*#\1#p' "$MARFS_CONFIG")
    export TOP
}

# stored_objects: every object with a block in the data store, sorted.
stored_objects() {
    find "$DATA" -type f ! -name '.*' -printf '%f\n' | sed 's#%2F#/#' |
        LC_ALL=C sort -u
}

# tags_of DIR...: "PATH<TAB>TAG" of every regular file below DIR.
tags_of() {
    find "$@" -type f -print0 |
        xargs -0 -r getfattr --absolute-names -n user.marfs.tag 2>/dev/null |
        awk '/^# file: / { f = substr($0, 9) }
             /^user.marfs.tag=/ { t = substr($0, 16); gsub(/"/, "", t)
                                  print f "\t" t }'
}

# objects_of_tags: the objects the tags on stdin ("PATH<TAB>TAG") cover
# (complete files: first object to last; doc/metadata-format.md).
objects_of_tags() {
    awk -F'\t' '{
        n = split($2, kv, " ")
        for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
        if (v["st"] != "complete") { print "INCOMPLETE " $1; next }
        last = v["obj"]
        if (v["size"] + 0 > v["first"] + 0)
            last = v["obj"] + 1 + int((v["size"] - v["first"] - 1) / v["chunk"])
        for (k = v["obj"]; k <= last; k++) print v["stream"] "/" k
    }' | LC_ALL=C sort -u
}

# live_objects: objects the files with a user name (every namespace) use.
live_objects() {
    tags_of "$META"/ns@*/tree | objects_of_tags
}

# ref_entries: entries of the reference trees (all namespaces), sorted.
ref_entries() {
    find "$META"/ns@*/ref -type f -printf '%f\n' | LC_ALL=C sort
}

# rman ARGS...: marfs-rman with the test's config; its exit status.
rman() {
    marfs-rman -c "$MARFS_CONFIG" "$@"
}

# summary_field OUTPUT KEY: a number of the summary line in OUTPUT.
summary_field() {
    sed -n "s/.*summary[^:]*:.* $2=\([0-9]*\).*/\1/p" <<<"$1" | tail -n1
}

# same_bytes MPATH LOCAL: the marfs file reads back as LOCAL (0/1).
same_bytes() {
    marfs get "$1" - 2>/dev/null | cmp -s - "$2"
}

# block_files OBJECT: the block files of an object, sorted.
block_files() {
    find "$DATA" -type f -name "$(sed 's#/#%2F#' <<<"$1")" | LC_ALL=C sort
}

# flip_byte FILE OFFSET: xor the byte at OFFSET with 0x10 (one bit).
flip_byte() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((b ^ 16)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# unclean_objects: the stored objects marfs-ne verify does not find clean.
unclean_objects() {
    local o
    for o in $(stored_objects); do
        marfs-ne verify "$MARFS_CONFIG" demo "$o" >/dev/null 2>&1 || echo "$o"
    done
}
