#!/usr/bin/env bash
# pftool-marfs.sh - POSIX -> marfs -> POSIX with pfcp, pfcm --checksum,
# pfls on marfs, restart of a chunked N:1 write, against a scratch config
# from config/demo.xml.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup
tap_plan 10

scratch=$TAP_TMP/marfs
mkdir -p "$scratch/data" "$scratch/meta"
sed -e "s#/tmp/marfs-demo#$scratch#g" "$top_srcdir/config/demo.xml" > "$scratch/marfs.xml"
export MARFS_CONFIG=$scratch/marfs.xml
marfs-verifyconf -d -f -q "$MARFS_CONFIG" >/dev/null 2>&1
top=$(sed -n 's#.*<mnt_top>\(.*\)</mnt_top>.*#\1#p' "$MARFS_CONFIG")

src=$TAP_TMP/src
nasty_tree "$src" 65536 2000
rm -r "$src/special"            # reported and skipped on marfs: tested below
# Bigger than the repo's 16 MiB chunks: an N:1 write by several ranks.
head -c $((40 << 20)) /dev/urandom > "$src/sizes/nto1"
pfcp -np 4 -R "$src" "$top/proj/run1" >"$TAP_TMP/o1" 2>&1
tap_is "$?" 0 "POSIX -> marfs: pfcp exits 0"
pfcm -np 4 -R --contents "$src" "$top/proj/run1" >"$TAP_TMP/o2" 2>&1
tap_is "$?" 0 "pfcm --contents: identical"
pfcm -np 4 -R --checksum "$src" "$top/proj/run1" >"$TAP_TMP/o3" 2>&1
tap_is "$?" 0 "pfcm --checksum (stored CRC vs the source) : identical"
pfcp -np 4 -R "$top/proj/run1" "$TAP_TMP/back" >"$TAP_TMP/o4" 2>&1
tap_is "$?" 0 "marfs -> POSIX: pfcp exits 0"
diff -r --no-dereference "$src" "$TAP_TMP/back" >/dev/null
tap_ok $? "the round trip is byte-identical"
n=$(pfls -np 3 -R "$top/proj/run1" 2>/dev/null | sed '$d' | wc -l)
tap_is "$n" "$(find "$src" -mindepth 1 | wc -l)" "pfls lists the marfs tree"
mkdir -p "$TAP_TMP/sp" && mkfifo "$TAP_TMP/sp/fifo"
pfcp -np 2 -R "$TAP_TMP/sp" "$top/proj/sp" >"$TAP_TMP/o5" 2>&1
tap_is "$?:$(grep -c 'special file' "$TAP_TMP/o5")" "1:1" "a fifo is reported and skipped on marfs"
pfcp -np 4 -R "$src" "$top/proj/run1" >"$TAP_TMP/o6" 2>&1
tap_is "$?" 0 "rerun to marfs skips what is there"
pfcm -np 3 --contents "$src/sizes/nto1" "$top/proj/run1/sizes/nto1" >"$TAP_TMP/o7" 2>&1
tap_is "$?" 0 "the chunked (N:1) file reads back identical"
pfcp -np 4 -R --json "$src/sizes" "$top/proj/sizes2" >"$TAP_TMP/o8" 2>/dev/null
tap_is "$(json_field "$TAP_TMP/o8" chunks_done)" 3 "it was written as 3 chunks of the repo's chunk size"
tap_done
