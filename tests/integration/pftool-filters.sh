#!/usr/bin/env bash
# pftool-filters.sh - --exclude / --include (first matching rule wins,
# an excluded directory is not entered), --files-from (newline or NUL
# separated, relative or absolute entries), progress and JSON lines.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup
tap_plan 9

src=$TAP_TMP/src
mkdir -p "$src/keep/sub" "$src/skip" "$src/logs"
for f in keep/a.dat keep/b.log keep/sub/c.dat skip/d.dat logs/e.log logs/keep.log; do
    head -c 100 /dev/urandom > "$src/$f"
done
listing() { (cd "$1" && find . -mindepth 1 | sort); }

pfcp -np 3 -R --exclude 'skip/' --include 'keep.log' --exclude '*.log' "$src" "$TAP_TMP/d1" \
    >/dev/null 2>&1
tap_is "$?" 0 "pfcp with filters exits 0"
tap_is "$(listing "$TAP_TMP/d1" | tr '\n' ' ')" \
    "./keep ./keep/a.dat ./keep/sub ./keep/sub/c.dat ./logs ./logs/keep.log " \
    "excluded names and directories are skipped, included ones kept"

pfcp -np 2 -R --exclude 'keep/sub' "$src" "$TAP_TMP/d2" >/dev/null 2>&1
[ ! -e "$TAP_TMP/d2/keep/sub" ] && [ -e "$TAP_TMP/d2/keep/a.dat" ]
tap_ok $? "a rule with a '/' matches the path relative to the root"

printf 'keep/a.dat\n%s/logs\n\n' "$src" > "$TAP_TMP/list"
pfcp -np 3 -R --files-from "$TAP_TMP/list" "$src" "$TAP_TMP/d3" >/dev/null 2>&1
tap_is "$?" 0 "--files-from (newline separated) exits 0"
tap_is "$(listing "$TAP_TMP/d3" | tr '\n' ' ')" \
    "./keep ./keep/a.dat ./logs ./logs/e.log ./logs/keep.log " \
    "only the listed entries (and what listed directories hold) are copied"

printf 'keep/sub/c.dat\0skip/d.dat\0' > "$TAP_TMP/list0"
pfcp -np 2 --files-from "$TAP_TMP/list0" "$src" "$TAP_TMP/d4" >/dev/null 2>&1
tap_is "$?:$(listing "$TAP_TMP/d4" | tr '\n' ' ')" \
    "0:./keep ./keep/sub ./keep/sub/c.dat ./skip ./skip/d.dat " "--files-from with NUL separators"

printf '/etc/hostname\n' > "$TAP_TMP/list-out"
pfcp -np 2 --files-from "$TAP_TMP/list-out" "$src" "$TAP_TMP/d5" >"$TAP_TMP/o5" 2>&1
tap_is "$?:$(grep -c 'not under' "$TAP_TMP/o5")" "1:1" "an entry outside SRC is an error"

pfcp -np 2 -R --progress 0.01 --json --fault='delay=*@20' "$src" "$TAP_TMP/d6" \
    >"$TAP_TMP/o6" 2>/dev/null
grep -q '"type":"progress"' "$TAP_TMP/o6"
tap_ok $? "--json --progress prints JSON progress lines"
pfcp -np 2 -R --progress 0.01 --fault='delay=*@20' "$src" "$TAP_TMP/d7" 2>"$TAP_TMP/o7" >/dev/null
grep -qE 'pfcp: [0-9]+s: [0-9]+/[0-9]+\+? files, .*/s, 0 errors' "$TAP_TMP/o7"
tap_ok $? "--progress prints progress lines (files, bytes, rate, errors)"
tap_done
