#!/usr/bin/env bash
# pftool-marfs.sh - POSIX -> marfs -> POSIX with pfcp, pfcm --checksum,
# pfls on marfs, restart of a chunked N:1 write, against a scratch config
# from config/demo.xml.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup
tap_plan 13

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

# Objects of 8 files: a rank's pack stream goes on across hundreds of
# objects, and each file is reported once its object is published (a
# ring of outstanding files), not when the stream ends.
many=$TAP_TMP/many
for d in 0 1 2 3 4 5 6 7 8 9; do
    mkdir -p "$many/d$d"
    for f in $(seq 1 150); do printf 'file %s/%s %0*d' "$d" "$f" "$f" 7 >"$many/d$d/f$f"; done
done
sed -e "s#/tmp/marfs-demo#$scratch#g" -e 's#<max_files>1024#<max_files>8#' \
    "$top_srcdir/config/demo.xml" >"$scratch/small-objects.xml"
nobj() { find "$scratch" -path '*block0*' -type f | wc -l; }
before=$(nobj)
MARFS_CONFIG=$scratch/small-objects.xml pfcp -np 3 -R --json "$many" "$top/proj/many" \
    >"$TAP_TMP/o9" 2>"$TAP_TMP/e9"
tap_is "$?:$(json_field "$TAP_TMP/o9" files_done):$(json_field "$TAP_TMP/o9" errors)" "0:1500:0" \
    "1500 files in objects of 8: every file reported done once"
MARFS_CONFIG=$scratch/small-objects.xml pfcm -np 3 -R --contents "$many" "$top/proj/many" \
    >"$TAP_TMP/o10" 2>&1
tap_is "$?" 0 "they read back identical"
objs=$(( $(nobj) - before ))
tap_ok "$([ "$objs" -ge 188 ]; echo $?)" "stored in at least 1500/8 new objects ($objs)"
tap_done
