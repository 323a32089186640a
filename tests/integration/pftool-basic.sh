#!/usr/bin/env bash
# pftool-basic.sh - pfcp of the nasty tree POSIX to POSIX with 2, 4 and 6
# ranks; after each copy pfcm --contents and independent checks (diff -r,
# find/stat listings, getfattr, hard-link groups, sparse allocation) agree
# the trees are identical; a rerun copies nothing.  Also a source
# directory replaced in the middle of the copy (pfcp keeps the last source
# directory's fd: files opened after the swap must come from the new one,
# through the full path, without an error).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup
tap_plan 32

src=$TAP_TMP/src
nasty_tree "$src" 65536 20000
tap_ok $? "nasty tree generated"

for np in 2 4 6; do
    dst=$TAP_TMP/dst$np
    pfcp -np "$np" -R --chunk-size 64K "$src" "$dst" >"$TAP_TMP/cp.out" 2>&1
    rc=$?
    tap_is "$rc" 0 "pfcp with $np ranks exits 0"
    [ "$rc" -ne 0 ] && sed 's/^/# /' "$TAP_TMP/cp.out" | head -20
    pfcm -np "$np" -R --contents "$src" "$dst" >"$TAP_TMP/cm.out" 2>&1
    rc=$?
    tap_is "$rc" 0 "pfcm --contents with $np ranks finds the trees identical"
    [ "$rc" -ne 0 ] && sed 's/^/# /' "$TAP_TMP/cm.out" | head -20
    trees_same "$src" "$dst" "$np ranks"
done

pfcp -np 3 -R --chunk-size 64K --json "$src" "$TAP_TMP/dst2" >"$TAP_TMP/re.json" 2>&1
tap_is "$?:$(json_field "$TAP_TMP/re.json" files_done)" "0:0" \
    "rerunning the same copy copies nothing"

# d is swapped (renameat2 RENAME_EXCHANGE) for a new directory 0.8 s into
# a copy that takes at least 1.5 s (20 files, 150 ms each after its
# open), and the old one removed: a worker's kept fd of d then names a
# deleted directory, and only the full path finds the files.
chg=$TAP_TMP/chg
mkdir -p "$chg/d" "$chg/d.new"
for i in $(seq -w 1 20); do
    printf 'old-%s' "$i" > "$chg/d/f$i"
    printf 'new-%s' "$i" > "$chg/d.new/f$i"
done
(
    sleep 0.8
    python3 - "$chg/d" "$chg/d.new" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
if libc.renameat2(AT_FDCWD, sys.argv[1].encode(), AT_FDCWD,
                  sys.argv[2].encode(), RENAME_EXCHANGE) != 0:
    sys.exit(os.strerror(ctypes.get_errno()))
PY
    rm -rf "$chg/d.new"
) &
swapper=$!
pfcp -np 2 -R --fault='delay=*@150' "$chg/d" "$TAP_TMP/chgdst" >"$TAP_TMP/chg.out" 2>&1
rc=$?
wait "$swapper"
tap_is "$rc:$?" "0:0" "a source directory replaced during the copy: pfcp exits 0"
[ "$rc" -ne 0 ] && sed 's/^/# /' "$TAP_TMP/chg.out" | head -20
bad=0 new=0
for i in $(seq -w 1 20); do
    got=$(cat "$TAP_TMP/chgdst/f$i" 2>/dev/null)
    case $got in
    "old-$i") ;;
    "new-$i") new=$((new + 1)) ;;
    *) bad=$((bad + 1)); echo "# f$i: '$got'" ;;
    esac
done
tap_is "$bad" 0 "every file holds its old or its new bytes, whole"
tap_ok "$([ "$new" -ge 1 ] && echo 0 || echo 1)" \
    "files opened after the swap came from the new directory ($new of 20)"
tap_done
