#!/usr/bin/env bash
# pftool-marfs-dirs.sh - the nasty tree through marfs in every direction,
# with 2, 4 and 6 ranks: POSIX -> marfs, marfs -> POSIX, marfs -> marfs
# into another namespace and within one, and back to POSIX (a POSIX ->
# POSIX round trip through marfs).  After each copy pfcm --contents, and
# checks made without pftool: on POSIX diff -r, find listings (types,
# sizes, links, modes, owners, mtimes; directories too), getfattr,
# hard-link groups, sparse files' bytes; on marfs `marfs stat` of every
# entry (the same listing, inode groups, the tags' states) and the entry
# count.  Special files are reported and skipped on marfs (exit 1, one
# error line and one failed-list entry each).  Finally marfs-recover
# --check agrees with the tree and no pftool temporary is left.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
pf_setup
export TZ=UTC
tap_plan 49
tap_on_exit pf_kill_all

chunk=262144
marfs_site site "s#<max_size>16M#<max_size>256K#"
tap_ok $? "scratch marfs repo (chunks of 256 KiB)"
top=$MARFS_TOP

# The nasty tree with a smaller big directory (every kind of entry is
# still there), plus owners other than root on a file, a chunked file,
# a symlink and a directory.
src=$TAP_TMP/src
nasty_tree "$src" "$chunk" 2000 &&
    chown 1234:5678 "$src/sizes/one-byte" &&
    chown 4567:4568 "$src/sizes/big-9x" &&
    chown -h 2345:6789 "$src/links/relative" &&
    chown 3456:7890 "$src/names/dir with space" &&
    tree_xattrs "$src" | grep -q '^user.pftool.dir=' # xattrs on a file and a dir
tap_ok $? "nasty tree generated (2000-entry directory, owners varied, xattrs)"

posix_listing "$src" >"$TAP_TMP/src.list"
nentries=$(wc -l <"$TAP_TMP/src.list")
nfiles=$(find "$src" -type f -printf '.\n' | wc -l)     # names
ninodes=$(find "$src" -type f -printf '%i\n' | sort -u | wc -l)
nsymlinks=$(find "$src" -type l -printf '.\n' | wc -l)
specials=$(posix_special "$src")
nspecial=$(printf '%s\n' "$specials" | grep -c .)
src_links=$(tree_hardlinks "$src")
src_xattrs=$(tree_xattrs "$src")
tap_diag "source: $nentries entries, $nfiles file names ($ninodes inodes)," \
    "$nsymlinks symlinks, $nspecial special files"

# rc_is GOT WANT DESCRIPTION OUTPUT: tap_is on an exit status, showing
# the command's output when it differs.
rc_is() {
    tap_is "$1" "$2" "$3"
    [ "$1" = "$2" ] || grep -v '^{' "$4" | head -20 | sed 's/^/# /'
}

# check_marfs LABEL MROOT: the marfs copy of $src at MROOT (5 checks).
check_marfs() {
    local label=$1 m=$2 got
    got=$(marfs_listing "$src" "$m")
    tap_is "$got" "$(cat "$TAP_TMP/src.list")" \
        "$label: marfs stat: types, sizes, links, modes, owners, mtimes, targets match"
    [ "$got" = "$(cat "$TAP_TMP/src.list")" ] ||
        diff "$TAP_TMP/src.list" <(printf '%s\n' "$got") | head -20 | sed 's/^/# /'
    tap_is "$(marfs_hardlinks "$src" "$m")" "$src_links" \
        "$label: hard links share an inode in marfs"
    tap_is "$(marfs_states "$src" "$m")" "$nfiles complete" \
        "$label: every file's tag says complete"
    tap_is "$(marfs_count "$m")" "$nentries" \
        "$label: no extra entries (pfls counts $nentries)"
    tap_is "$(marfs_temps "$m")" "" "$label: no temporary names in marfs"
}

# check_posix LABEL DIR: the POSIX copy DIR against $src (6 checks).
check_posix() {
    local label=$1 d=$2 want f bad=0
    want=$(printf '%s\n' "$specials" |
        sed 's#^\(.*\)/\([^/]*\)$#Only in \1: \2#' | LC_ALL=C sort)
    tap_is "$(diff -r --no-dereference "$src" "$d" 2>&1 | LC_ALL=C sort)" "$want" \
        "$label: diff -r: identical but for the $nspecial special files"
    tap_is "$(posix_listing "$d")" "$(cat "$TAP_TMP/src.list")" \
        "$label: types, sizes, links, modes, owners, mtimes match (dirs too)"
    tap_is "$(tree_xattrs "$d")" "$src_xattrs" "$label: user xattrs match"
    tap_is "$(tree_hardlinks "$d")" "$src_links" "$label: hard links are links"
    for f in "$src"/sparse/*; do
        cmp -s "$f" "$d/sparse/${f##*/}" || bad=$((bad + 1))
    done
    tap_is "$bad" 0 "$label: sparse files' contents equal"
    tap_is "$(tree_temps "$d")" 0 "$label: no temporary files"
}

# ---- POSIX -> marfs, 4 ranks ------------------------------------------------
a=$top/proj/a
pf_run pfcp -np 4 -R --json --failed-list "$TAP_TMP/failed" "$src" "$a" \
    >"$TAP_TMP/cp1.json" 2>"$TAP_TMP/cp1.err"
tap_is "$?" 1 "POSIX -> marfs (4 ranks): exit 1, as for entries that failed"
reported=$(sed -n 's/^pfcp\[[0-9]*\]: error: \(.*\): special file (fifo, socket or device) not supported by the destination; skipped$/\1/p' \
    "$TAP_TMP/cp1.err" | LC_ALL=C sort)
tap_is "$reported" "$specials" "each special file is reported as skipped"
tap_is "$(grep -c 'error' "$TAP_TMP/cp1.err")" "$nspecial" "and nothing else is reported"
tap_is "$(LC_ALL=C sort "$TAP_TMP/failed")" "$specials" "the failed list holds the special files"
j=$TAP_TMP/cp1.json
tap_is "$(json_field "$j" files_done)/$(json_field "$j" hardlinks_made)/$(json_field "$j" links_made)/$(json_field "$j" special_made)/$(json_field "$j" errors)" \
    "$ninodes/$((nfiles - ninodes))/$nsymlinks/0/$nspecial" \
    "summary: files, hard links, symlinks copied; 0 special made; $nspecial errors"
pf_run pfcm -np 4 -R --contents "$src" "$a" >"$TAP_TMP/cm1" 2>&1
rc=$?
missing=$(sed -n 's/^missing in destination: //p' "$TAP_TMP/cm1" | LC_ALL=C sort)
tap_is "$rc|$missing" "1|$(printf '%s\n' "$specials" | sed "s#^$src#$a#")" \
    "pfcm --contents: exit 1, only the special files missing"
pf_run pfcm -np 4 -R --contents --exclude 'special/*' "$src" "$a" >"$TAP_TMP/cm2" 2>&1
rc_is "$?" 0 "pfcm --contents (special files excluded): identical" "$TAP_TMP/cm2"
check_marfs "POSIX -> marfs" "$a"

# ---- marfs -> POSIX, 6 ranks ------------------------------------------------
pf_run pfcp -np 6 -R "$a" "$TAP_TMP/back-a" >"$TAP_TMP/cp2" 2>&1
rc_is "$?" 0 "marfs -> POSIX (6 ranks): exit 0" "$TAP_TMP/cp2"
pf_run pfcm -np 6 -R --contents "$a" "$TAP_TMP/back-a" >"$TAP_TMP/cm3" 2>&1
rc_is "$?" 0 "pfcm --contents marfs vs POSIX copy: identical" "$TAP_TMP/cm3"
check_posix "marfs -> POSIX" "$TAP_TMP/back-a"
# One SRC: DST names the copy, also when DST exists now (doc/pftool.md).
pf_run pfcp -np 4 -R --json "$a" "$TAP_TMP/back-a" >"$TAP_TMP/cp2r.json" 2>&1
rc=$?
tap_is "$rc/$(json_field "$TAP_TMP/cp2r.json" files_done)/$([ -e "$TAP_TMP/back-a/a" ] && echo nested || echo in-place)" \
    "0/0/in-place" "marfs -> POSIX rerun onto the existing copy: copies nothing, no DST/a"

# ---- marfs -> marfs, another namespace, 2 ranks -----------------------------
b=$top/scratch/b
pf_run pfcp -np 2 -R "$a" "$b" >"$TAP_TMP/cp3" 2>&1
rc_is "$?" 0 "marfs -> marfs into another namespace (2 ranks): exit 0" "$TAP_TMP/cp3"
pf_run pfcm -np 2 -R --contents "$a" "$b" >"$TAP_TMP/cm4" 2>&1
rc_is "$?" 0 "pfcm --contents: identical" "$TAP_TMP/cm4"
check_marfs "proj -> scratch" "$b"

# ---- marfs -> marfs, same namespace, 6 ranks ----------------------------------
c=$top/scratch/c
pf_run pfcp -np 6 -R "$b" "$c" >"$TAP_TMP/cp4" 2>&1
rc_is "$?" 0 "marfs -> marfs within a namespace (6 ranks): exit 0" "$TAP_TMP/cp4"
pf_run pfcm -np 6 -R --contents "$b" "$c" >"$TAP_TMP/cm5" 2>&1
rc_is "$?" 0 "pfcm --contents: identical" "$TAP_TMP/cm5"
check_marfs "scratch -> scratch" "$c"

# ---- and back to POSIX, 4 ranks: POSIX -> POSIX through three marfs copies --
pf_run pfcp -np 4 -R "$c" "$TAP_TMP/back-c" >"$TAP_TMP/cp5" 2>&1
rc_is "$?" 0 "marfs -> POSIX after proj -> scratch -> scratch (4 ranks): exit 0" "$TAP_TMP/cp5"
pf_run pfcm -np 4 -R --contents --exclude 'special/*' "$src" "$TAP_TMP/back-c" >"$TAP_TMP/cm6" 2>&1
rc_is "$?" 0 "pfcm --contents source vs round trip: identical" "$TAP_TMP/cm6"
check_posix "round trip" "$TAP_TMP/back-c"

# ---- several SRCs into a marfs directory (DST/basename(SRC)), 2 ranks -------
pf_run pfcp -np 2 -R "$src/names" "$src/links" "$top/proj/multi/" >"$TAP_TMP/cp7" 2>&1
rc=$?
pf_run pfcm -np 2 -R --contents "$src/names" "$top/proj/multi/names" >"$TAP_TMP/cm7" 2>&1
rc2=$?
pf_run pfcm -np 2 -R --contents "$src/links" "$top/proj/multi/links" >>"$TAP_TMP/cm7" 2>&1
rc_is "$rc/$rc2/$?" "0/0/0" "two SRCs into a new marfs directory: exit 0, both copies identical" "$TAP_TMP/cp7"

# ---- a rerun copies nothing and still reports the special files --------------
pf_run pfcp -np 2 -R --json "$src" "$a" >"$TAP_TMP/cp6.json" 2>"$TAP_TMP/cp6.err"
rc=$?
tap_is "$rc/$(json_field "$TAP_TMP/cp6.json" files_done)/$(json_field "$TAP_TMP/cp6.json" errors)/$(grep -c 'special file' "$TAP_TMP/cp6.err")" \
    "1/0/$nspecial/$nspecial" "rerun to marfs (2 ranks): copies nothing, reports the special files again"

# ---- the objects agree with the tree; no temporaries anywhere -----------------
marfs-recover --check "$MARFS_CONFIG" >"$TAP_TMP/recover" 2>&1
rc=$?
summary=$(grep '^repo demo: .* files: ' "$TAP_TMP/recover" | sed 's/.*files: [0-9]* complete, //')
tap_is "$rc|$summary|$(grep -c '^repo demo: check: 0 difference(s)' "$TAP_TMP/recover")" \
    "0|0 incomplete, 0 damaged, 0 superseded|1" \
    "marfs-recover --check: exit 0, nothing incomplete or damaged, 0 differences"
[ "$rc" -ne 0 ] && grep -v '^complete\|^linked' "$TAP_TMP/recover" | head -20 | sed 's/^/# /'
tap_is "$(marfs_temps "$top")" "" "no pftool temporary or journal name anywhere in marfs"
tap_done
