#!/usr/bin/env bash
# marfs-recover.sh - rebuilding a namespace from its objects alone: a tree
# written with `marfs put -p` (packed small files, an empty file, a file
# spanning 3 objects; varied modes, owners, mtimes) is reproduced by
# --rebuild; --check agrees with the intact tree and finds a removed
# inode, a changed size and owner; a killed writer's file is reported
# incomplete; lost blocks make a file damaged; usage errors exit 2.
. "$top_srcdir/tests/lib/tap.sh"
tap_plan 30

export TZ=UTC
site="$TAP_TMP/site"
data="$site/data"
tree="$site/meta/ns@/tree"
cfg="$TAP_TMP/c.xml"
sed -e "s#/tmp/marfs-demo#$site#g" -e 's#<PSZ>64K#<PSZ>4K#' \
    -e 's#<max_size>16M#<max_size>256K#' \
    "$top_srcdir/config/demo.xml" > "$cfg"
marfs-verifyconf -q --check-dirs --fix "$cfg" >/dev/null
export MARFS_CONFIG="$cfg"

# src FILE SIZE MODE UID:GID MTIME
src="$TAP_TMP/src"
mkfile() {
    mkdir -p "$(dirname "$src/$1")"
    head -c "$2" /dev/urandom > "$src/$1"
    chown "$4" "$src/$1"
    chmod "$3" "$src/$1"
    touch -d "$5" "$src/$1"
}
mkfile top.txt 1000 0640 1001:1002 '2019-03-04 05:06:07'
mkfile d1/a.bin 3000 0600 1003:1003 '2018-01-01 00:00:01'
mkfile d1/empty 0 0444 0:0 '2017-07-07 07:07:07'
mkfile 'd1/d2/sp ace.sh' 10 0755 0:50 '2016-06-06 06:06:06'
mkfile d3/big.bin 700000 0644 1005:1006 '2015-05-05 05:05:05'
mkfile d3/s.txt 20 0604 1007:1008 '2014-04-04 04:04:04'
# "name size uid gid mode" of every file below a directory
listing() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs -d '\n' stat -c '%n %s %u %g %a'); }

t0=$(date +%s)
marfs mkdir -p /campaign/d1/d2 /campaign/d3 &&
    marfs put -p "$src/top.txt" /campaign &&
    marfs put -p "$src/d1/a.bin" "$src/d1/empty" /campaign/d1 &&
    marfs put -p "$src/d1/d2/sp ace.sh" /campaign/d1/d2 &&
    marfs put -p "$src/d3/big.bin" "$src/d3/s.txt" /campaign/d3
tap_is "$?" 0 "the tree is written with mkdir and put -p"
t1=$(date +%s)
tap_is "$(marfs ls -ln /campaign/d3)" \
    "-rw-r--r-- 1 1005 1006 700000 2015-05-05 05:05 big.bin
-rw----r-- 1 1007 1008     20 2014-04-04 04:04 s.txt" \
    "the live tree has the sources' modes, owners and mtimes"

# ---- listing ----------------------------------------------------------------
out=$(marfs-recover "$cfg")
tap_is "$?" 0 "listing an intact repo exits 0"
tap_is "$(grep '^complete' <<<"$out" | sed 's/ mtime=.*//')" \
    "complete /d1/a.bin size=3000 uid=1003 gid=1003 mode=0600
complete /d1/d2/sp ace.sh size=10 uid=0 gid=50 mode=0755
complete /d1/empty size=0 uid=0 gid=0 mode=0444
complete /d3/big.bin size=700000 uid=1005 gid=1006 mode=0644
complete /d3/s.txt size=20 uid=1007 gid=1008 mode=0604
complete /top.txt size=1000 uid=1001 gid=1002 mode=0640" \
    "every file is found complete with its size, owner and mode"
tap_is "$(tail -n1 <<<"$out")" \
    "repo demo: 6 objects (0 bad, 0 foreign), 0 unlisted locations; 6 files: 6 complete, 0 incomplete, 0 damaged, 0 superseded" \
    "6 objects: packed files share them, big.bin spans 3"
tap_is "$(grep "^complete /d3/big.bin " <<<"$out" | sed 's/.* crc=//')" \
    "$(marfs stat /campaign/d3/big.bin | awk '/^  crc:/ {print $2}')" \
    "the CRC assembled from 3 objects equals the tag's"

# ---- rebuild ------------------------------------------------------------------
dest="$TAP_TMP/dest"
marfs-recover -q "$cfg" --rebuild "$dest" --dry-run > "$TAP_TMP/out"
tap_is "$?:$(tail -n1 "$TAP_TMP/out"):$([ -e "$dest" ]; echo $?)" \
    "0:repo demo: would restore 6 file(s) under $dest:1" "--dry-run verifies and writes nothing"
marfs-recover -q "$cfg" --rebuild "$dest" > "$TAP_TMP/out"
tap_is "$?:$(tail -n1 "$TAP_TMP/out")" "0:repo demo: restored 6 file(s) under $dest" \
    "--rebuild exits 0 and restores 6 files"
diff -r "$src" "$dest" >/dev/null
tap_is "$?" 0 "the rebuilt tree has the same names and bytes (diff -r)"
tap_is "$(listing "$dest")" "$(listing "$src")" \
    "the rebuilt files have the same sizes, owners and modes"
rec_times=$(grep '^complete' <<<"$(marfs-recover "$cfg")" |
    sed 's/^complete \/\(.*\) size=.* mtime=\([0-9.]*\) .*/.\/\1 \2/')
got_times=$(cd "$dest" && find . -type f | LC_ALL=C sort | xargs -d '\n' stat -c '%n %.9Y')
tap_is "$got_times" "$rec_times" "each rebuilt mtime is its record's, to the nanosecond"
inside=0
while read -r s; do
    s=${s%.*}
    { [ "$s" -ge "$t0" ] && [ "$s" -le "$t1" ]; } || inside=1
done < <(find "$dest" -type f -printf '%T@\n')
tap_is "$inside" 0 "recorded mtimes are write times (later utimens is not in the objects)"
out=$(marfs-recover -q "$cfg" --rebuild "$dest")
tap_is "$?:$(diff -r "$src" "$dest" >/dev/null; echo $?)" "0:0" "a second --rebuild over the first replaces it cleanly"

# ---- check --------------------------------------------------------------------
out=$(marfs-recover -q "$cfg" --check)
tap_is "$?:$(tail -n1 <<<"$out")" "0:repo demo: check: 0 difference(s) with the metadata tree" \
    "--check of the intact repo: exit 0, no differences"
out=$(marfs-recover -q "$cfg" --check --bytes)
tap_is "$?" 0 "--check --bytes (live files read through the API) agrees"
ln "$tree/d1/a.bin" "$TAP_TMP/keep"
rm "$tree/d1/a.bin"
out=$(marfs-recover -q "$cfg" --check)
tap_is "$?:$(grep -v '^note\|^repo' <<<"$out")" \
    "1:missing /d1/a.bin: in the objects, not in the metadata tree" \
    "--check finds a file whose tree entry was removed (exit 1)"
ln "$TAP_TMP/keep" "$tree/d1/a.bin" && rm "$TAP_TMP/keep"
truncate -s 5 "$tree/d1/d2/sp ace.sh"
chown 7:8 "$tree/top.txt"
out=$(marfs-recover -q "$cfg" --check)
tap_is "$?:$(grep -v '^note\|^repo' <<<"$out")" \
    "1:differs /d1/d2/sp ace.sh: size objects=10 tree=5
differs /top.txt: owner objects=1001:1002 tree=7:8" \
    "--check finds a changed size and a changed owner (exit 1)"
truncate -s 10 "$tree/d1/d2/sp ace.sh"
chown 1001:1002 "$tree/top.txt"
ln "$tree/d1/a.bin" "$tree/d3/hard"
out=$(marfs-recover -q "$cfg" --check)
tap_is "$?:$(grep -v '^note\|^repo' <<<"$out")" \
    "0:linked /d3/hard: a hard link; the objects record another path of this file" \
    "--check notes a hard link made after writing, not a difference"
rm "$tree/d3/hard"
marfs recover -q --check > /dev/null
tap_is "$?" 0 "marfs recover --check (config from MARFS_CONFIG) agrees once repaired"
marfs put "$src/top.txt" /campaign/extra
mv "$site/data" "$site/data.off" && mkdir "$site/data" &&
    marfs-verifyconf -q --check-dirs --fix "$cfg" >/dev/null
out=$(marfs-recover -q "$cfg" --check)
tap_is "$?:$(grep -c '^orphan ' <<<"$out")" "1:7" \
    "with the objects gone, every tree file is an orphan"
rm -rf "$site/data" && mv "$site/data.off" "$site/data"

# ---- a writer killed mid-file --------------------------------------------------
mkfifo "$TAP_TMP/fifo"
marfs put "$TAP_TMP/fifo" /campaign/dead &
pid=$!
tap_on_exit "kill -9 $pid"
exec 3>"$TAP_TMP/fifo"
head -c 600000 /dev/urandom >&3
for _ in $(seq 100); do
    marfs-recover -q "$cfg" | grep -q '^incomplete /dead: no final record (524288 bytes' && break
    sleep 0.1
done
kill -9 "$pid"
{ wait "$pid"; } 2>/dev/null
exec 3>&-
out=$(marfs-recover -q "$cfg")
tap_is "$?:$(grep -v '^repo' <<<"$out")" \
    "0:incomplete /dead: no final record (524288 bytes found; its writer died, or the object holding its end is lost)" \
    "the killed writer's file is reported incomplete (2 of 3 objects published)"
tap_is "$(marfs stat /campaign/dead | grep '^  state:')" "  state: writing" \
    "the tree keeps it as being written"
out=$(marfs-recover -q "$cfg" --check)
tap_is "$?:$(grep -c '^incomplete /dead' <<<"$out"):$(tail -n1 <<<"$out")" \
    "0:1:repo demo: check: 0 difference(s) with the metadata tree" \
    "--check reports it, and the tree agrees that it is incomplete"
out=$(marfs-recover -q "$cfg" --rebuild "$dest")
tap_is "$?:$(grep -c '^incomplete /dead' <<<"$out"):$([ -e "$dest/dead" ]; echo $?)" "1:1:1" \
    "--rebuild cannot restore it: reported, not written, exit 1"

# ---- a path written again; damaged data ------------------------------------------
marfs rm /campaign/dead
printf 'version 2\n' > "$TAP_TMP/v2"
marfs put "$TAP_TMP/v2" /campaign/top.txt
out=$(marfs-recover "$cfg")
tap_is "$(grep -c '^superseded /top.txt: an older version' <<<"$out"):$(grep -c '^complete /top.txt size=10 ' <<<"$out")" \
    "1:1" "a path written again: the newest version wins, the older is superseded"
rm -rf "$dest"
marfs-recover -q "$cfg" --rebuild "$dest" >/dev/null
tap_is "$(cat "$dest/top.txt")" "version 2" "--rebuild restores the newest version"
# the second object of big.bin: lose 3 of its 6 blocks' first stripe
obj2=$(marfs stat /campaign/d3/big.bin | awk '/^  object / {n++} n == 2 && /^  object / {o = $2; sub(/:$/, "", o); gsub(/\//, "%2F", o); print o}')
n=0
for f in $(marfs stat /campaign/d3/big.bin | awk -v root="$data" -v o="$obj2" '
        /^  object / {n++} n == 2 && /^    block / && $9 == "data" {
            b = $2; s = $8; sub(/:/, "", b); sub(/:/, "", s)
            print root "/pod" $4 "/block" b "/cap" $6 "/scat" s "/" o }'); do
    [ $n -lt 3 ] && printf 'XXXXXXXX' | dd of="$f" bs=1 seek=64 conv=notrunc status=none
    n=$((n + 1))
done
out=$(marfs-recover -q "$cfg")
tap_is "$?:$(grep '^damaged' <<<"$out")" \
    "1:damaged /d3/big.bin: piece at ${obj2//%2F//}+512 (262144 bytes) unreadable: Input/output error" \
    "data lost beyond parity: the file is damaged, exit 1"
out=$(marfs-recover -q "$cfg" --check)
tap_is "$?:$(grep -c '^damaged /d3/big.bin' <<<"$out")" "1:1" "--check reports it too"

# ---- usage ----------------------------------------------------------------------
codes=""
for args in "" "--check --rebuild $dest $cfg" "--dry-run $cfg" "--repo nope $cfg" \
    "$TAP_TMP/none.xml" "--bytes $cfg" "$cfg extra"; do
    marfs-recover $args >/dev/null 2>&1
    codes="$codes$? "
done
tap_is "$codes" "2 2 2 2 2 2 2 " "usage and config errors exit 2"
env -u MARFS_CONFIG marfs recover --check 2>"$TAP_TMP/err"
tap_is "$?:$(cat "$TAP_TMP/err")" \
    "2:marfs: recover: no config: use --config or set MARFS_CONFIG" \
    "marfs recover without a config exits 2"
tap_done
