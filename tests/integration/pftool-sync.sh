#!/usr/bin/env bash
# pftool-sync.sh - pfsync after changing, adding and deleting files copies
# exactly the changes; --dry-run lists them and changes nothing; --delete
# removes extras (not excluded ones) and is refused after a source
# directory could not be read (fault injection, and for real as nobody);
# --contents catches a change that keeps size and mtime.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup
tap_plan 17

src=$TAP_TMP/src dst=$TAP_TMP/dst
mkdir -p "$src/a" "$src/b" "$src/c/deep"
for i in 1 2 3 4 5; do head -c $((i * 1000)) /dev/urandom > "$src/a/f$i"; done
for i in 1 2; do head -c 500 /dev/urandom > "$src/b/f$i"; done
head -c 300 /dev/urandom > "$src/c/deep/x"
head -c $((600 << 10)) /dev/urandom > "$src/big"
sync_() { pfsync -np 3 --chunk-size 128K "$@"; }

sync_ "$src" "$dst" >"$TAP_TMP/out" 2>&1
tap_ok $? "first pfsync exits 0"
diff -r "$src" "$dst" >/dev/null
tap_ok $? "first pfsync makes an identical copy"

# Changes: modify, add, delete a file and a dir, add a dir, chmod, touch.
head -c 2222 /dev/urandom > "$src/a/f1"
head -c 10 /dev/urandom > "$src/a/new"
rm "$src/b/f2"
rm -r "$src/c"
mkdir "$src/d" && head -c 20 /dev/urandom > "$src/d/x"
chmod 0600 "$src/a/f3"
touch -d '2011-11-11 11:11:11' "$src/a/f4"      # same bytes, new mtime
touch "$dst/keep-me.tmp"

before=$(tree_meta "$dst")
sync_ --dry-run --delete --exclude '*.tmp' "$src" "$dst" >"$TAP_TMP/dry" 2>&1
tap_ok $? "pfsync --dry-run exits 0"
got=$(grep -E '^(copy|update|mkdir|metadata|delete) ' "$TAP_TMP/dry" | sed "s#$dst/##" | sort)
want=$(printf '%s\n' "copy a/new" "copy d/x" "delete b/f2" "delete c" \
    "metadata a/f3" "update a/f4" "mkdir d" "update a/f1" | sort)
tap_is "$got" "$want" "--dry-run lists exactly the changes"
tap_is "$(tree_meta "$dst")" "$before" "--dry-run changes nothing"

sync_ --json "$src" "$dst" >"$TAP_TMP/j1" 2>&1
tap_ok $? "pfsync of the changes exits 0"
tap_is "$(json_field "$TAP_TMP/j1" files_done)/$(json_field "$TAP_TMP/j1" meta_fixed)/$(json_field "$TAP_TMP/j1" deleted)" \
    "4/1/0" "copies the 4 new or changed files (size+mtime), fixes the mode of 1, deletes nothing"
[ -f "$dst/b/f2" ] && [ -d "$dst/c" ]
tap_ok $? "without --delete the extras stay"

sync_ --json --delete --exclude '*.tmp' "$src" "$dst" >"$TAP_TMP/j2" 2>&1
tap_ok $? "pfsync --delete exits 0"
tap_is "$(json_field "$TAP_TMP/j2" files_done)/$(json_field "$TAP_TMP/j2" deleted)" "0/2" \
    "--delete copies nothing more and removes the 2 extras"
[ -f "$dst/keep-me.tmp" ]
tap_ok $? "--delete keeps excluded names"
rm "$dst/keep-me.tmp" && touch -r "$src" "$dst"
diff -r "$src" "$dst" >/dev/null && [ "$(tree_meta "$src")" = "$(tree_meta "$dst")" ]
tap_ok $? "after --delete the trees are identical (data and metadata)"

# Same size and mtime, different bytes: only --contents sees it.
printf 'Z' | dd of="$src/a/f5" bs=1 seek=7 conv=notrunc status=none
touch -r "$dst/a/f5" "$src/a/f5"
sync_ --json "$src" "$dst" >"$TAP_TMP/j3" 2>&1
n_plain=$(json_field "$TAP_TMP/j3" files_done)
sync_ --json --contents "$src" "$dst" >"$TAP_TMP/j4" 2>&1
tap_is "$n_plain/$(json_field "$TAP_TMP/j4" files_done)" "0/1" \
    "a same-size same-mtime change is copied only with --contents"

# --delete refused when reading the source failed (fault injection).
touch "$dst/extra"
sync_ --delete --fault='opendir=a' "$src" "$dst" >"$TAP_TMP/f1" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q 'refusing --delete' "$TAP_TMP/f1" && [ -f "$dst/extra" ]
tap_ok $? "--delete refused after a source directory read error (exit $rc)"

# For real: as nobody, a directory nobody cannot read.
chmod 755 "$TAP_TMP"
chmod -R a+rX "$src"
mkdir "$src/secret" && head -c 5 /dev/urandom > "$src/secret/s" && chmod 0700 "$src/secret"
chown -R nobody "$dst"
mkdir "$TAP_TMP/tmp-nobody" && chown nobody "$TAP_TMP/tmp-nobody"
runuser -u nobody -- env PATH="$PATH" TMPDIR="$TAP_TMP/tmp-nobody" \
    pfsync -np 2 --delete --failed-list "$TAP_TMP/tmp-nobody/failed" "$src" "$dst" \
    >"$TAP_TMP/f2" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q 'refusing --delete' "$TAP_TMP/f2" && [ -f "$dst/extra" ]
tap_ok $? "--delete refused when a directory is unreadable for the user (exit $rc)"
grep -q 'secret: reading directory: Permission denied' "$TAP_TMP/f2"
tap_ok $? "the unreadable directory is reported with its path and errno text"
grep -qx "$src/secret" "$TAP_TMP/tmp-nobody/failed"
tap_ok $? "the unreadable directory is in the failed list"
tap_done
