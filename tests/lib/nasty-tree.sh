# tests/lib/nasty-tree.sh - helpers of the pftool integration tests:
# the MPI environment, the nasty source tree, and independent checks
# (diff, find/stat listings, xattr dumps, hard-link groups) that two
# trees are identical.  Source after tests/lib/tap.sh.

# Run pftool's front-ends from this build, root-safe and oversubscribed.
pf_setup() {
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_pml=ob1
    export OMPI_MCA_btl=self,vader
    # Shared-memory segments of this test's jobs go in a directory of
    # its own, removed on exit: a rank killed by a test leaves its
    # vader_segment files behind otherwise.
    PF_SHM=$(mktemp -d /dev/shm/marfs-mpi.XXXXXX)
    chmod 1777 "$PF_SHM"        # as /dev/shm: jobs run as nobody too
    tap_on_exit rm -rf "$PF_SHM"
    export OMPI_MCA_btl_vader_backing_directory=$PF_SHM
    # Open MPI's session directories too (else /tmp/ompi.HOST.UID, shared
    # by every job on the machine: one job removing it as another makes
    # it fails the other's start with "mkdir ... File exists"); 1777, as
    # /tmp: jobs run as nobody too.
    mkdir -m 1777 "$PF_SHM/ompi"
    export OMPI_MCA_orte_tmpdir_base=$PF_SHM/ompi
    export PFTOOL_CONF=/dev/null MARFS_LOG=${MARFS_LOG:-error}
    export PATH="$top_builddir/pftool:$top_builddir/tools:$PATH"
    export LC_ALL=C
}

# nasty_tree DIR [CHUNK [ENTRIES]]: the generated tree.
nasty_tree() {
    "$top_srcdir/tests/gen-nasty-tree" "$@" >/dev/null
}

# Type, mode, owner, size (not for dirs), mtime and link target of every
# entry, one line each, sorted; atimes are left out (reading changes them).
tree_meta() {
    (cd "$1" &&
        find . ! -type d -printf '%P\t%y\t%m\t%U\t%G\t%s\t%T@\t%l\n' &&
        find . -type d -printf '%P\t%y\t%m\t%U\t%G\t%T@\n' &&
        find . \( -type c -o -type b \) -exec stat -c '%n dev %t:%T' {} +) |
        sort
}

tree_xattrs() {
    (cd "$1" && getfattr -R -d -h -m 'user\.' . 2>/dev/null) | sed '/^$/d'
}

# Groups of names sharing an inode ("a b c" per line), sorted.
tree_hardlinks() {
    (cd "$1" && find . -type f -links +1 -printf '%i %P\n') |
        sort -k1,1 -k2 | awk '{ if ($1 != last) { if (g) print g; g = $2 }
                                 else g = g " " $2; last = $1 }
                               END { if (g) print g }' | sort
}

# Allocated KiB of each sparse file.
tree_sparse_kib() {
    (cd "$1" && du -k sparse/* | sort -k2)
}

tree_temps() {
    find "$1" \( -name '.*.pft~' -o -name '.*.pfj~' -o -name '.pft-*' \) | wc -l
}

# trees_same SRC DST LABEL: the independent checks, one TAP line each.
trees_same() {
    local src=$1 dst=$2 label=$3
    diff -r --no-dereference -x special "$src" "$dst" >"$TAP_TMP/diff.out" 2>&1
    tap_ok $? "$label: diff -r finds no difference"
    [ "$(tree_meta "$src")" = "$(tree_meta "$dst")" ]
    tap_ok $? "$label: types, modes, owners, sizes, mtimes, link targets match"
    [ "$(tree_xattrs "$src")" = "$(tree_xattrs "$dst")" ]
    tap_ok $? "$label: user xattrs match"
    tap_is "$(tree_hardlinks "$dst")" "$(tree_hardlinks "$src")" \
        "$label: hard links are links in the copy"
    tap_is "$(tree_sparse_kib "$dst" | awk '{print $2}')" \
        "$(tree_sparse_kib "$src" | awk '{print $2}')" "$label: sparse files present"
    local over
    over=$(paste <(tree_sparse_kib "$src") <(tree_sparse_kib "$dst") |
        awk '$3 > $1 + 4 { print $2 }')
    tap_is "$over" "" "$label: sparse files stay sparse"
    tap_is "$(tree_temps "$dst")" 0 "$label: no temporary files remain"
}

# json_field FILE KEY: a number from the last JSON line of FILE.
json_field() {
    tail -n 1 "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p"
}
