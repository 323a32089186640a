#!/usr/bin/env bash
# pftool-cm.sh - pfcm reports every kind of difference and exits 1, 0
# when identical: contents (only with --contents; also inside a chunked
# file), mode, missing, extra, symlink target, mtime.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup
tap_plan 11

src=$TAP_TMP/src dst=$TAP_TMP/dst
mkdir -p "$src/d"
for i in 1 2 3; do head -c 5000 /dev/urandom > "$src/d/f$i"; done
head -c $((1 << 20)) /dev/urandom > "$src/big"
ln -s d/f1 "$src/link"
pfcp -np 3 -R "$src" "$dst" >/dev/null 2>&1
cm() { pfcm -np 3 -R --chunk-size 128K "$@" "$src" "$dst" >"$TAP_TMP/out" 2>&1; }

cm --contents
tap_is "$?" 0 "identical trees: exit 0"

# Change one byte (writing a fixed byte would be no change 1 time in 256).
flip_byte() { # FILE OFFSET
    local old
    old=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
    printf "\\$(printf '%03o' $(( (old + 1) % 256 )))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
flip_byte "$dst/d/f1" 10
touch -r "$src/d/f1" "$dst/d/f1"
cm
tap_is "$?" 0 "a same-size same-mtime change passes the metadata compare"
cm --contents
tap_is "$?:$(grep -c "differs: $dst/d/f1: contents" "$TAP_TMP/out")" "1:1" \
    "--contents finds it (exit 1, one line)"
cp -p "$src/d/f1" "$dst/d/f1"

flip_byte "$dst/big" $((700 << 10))
touch -r "$src/big" "$dst/big"
cm --contents
tap_is "$?:$(grep -c "differs: $dst/big: contents" "$TAP_TMP/out")" "1:1" \
    "--contents finds a change inside one chunk of a chunked file"
cp -p "$src/big" "$dst/big"

chmod 0600 "$dst/d/f2"
cm
tap_is "$?:$(grep -c "differs: $dst/d/f2: mode 0644 != 0600" "$TAP_TMP/out")" "1:1" "a mode change"
chmod 0644 "$dst/d/f2"

mv "$dst/d/f3" "$TAP_TMP/f3"
cm
tap_is "$?:$(grep -c "missing in destination: $dst/d/f3" "$TAP_TMP/out")" "1:1" "a missing file"
mv "$TAP_TMP/f3" "$dst/d/f3"
touch -r "$src/d" "$dst/d"

touch "$dst/d/extra"
cm
tap_is "$?:$(grep -c "only in destination: $dst/d/extra" "$TAP_TMP/out")" "1:1" "an extra file"
rm "$dst/d/extra"
touch -r "$src/d" "$dst/d"

ln -sfn d/f2 "$dst/link"
touch -h -r "$src/link" "$dst/link"
cm
tap_is "$?:$(grep -c "differs: $dst/link: link target" "$TAP_TMP/out")" "1:1" "a changed symlink target"
rm "$dst/link" && cp -a "$src/link" "$dst/link"
touch -r "$src" "$dst"

touch -d '2000-01-01' "$dst/d/f2"
cm
tap_is "$?:$(grep -c "differs: $dst/d/f2: mtime" "$TAP_TMP/out")" "1:1" "an mtime change"
touch -r "$src/d/f2" "$dst/d/f2"

cm --contents
tap_is "$?" 0 "identical again: exit 0"
grep -q "0 differences, 0 errors" "$TAP_TMP/out"
tap_ok $? "the summary says so"
tap_done
