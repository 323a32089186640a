#!/usr/bin/env bash
# marfs-tool.sh - the `marfs` admin tool on a scratch 4+2 repo (PSZ 4K):
# put/get round trips, ls -l lines, stat (tag, objects, one line per
# block at the place stat names), corrupt and truncated tags, verify
# against flipped and lost blocks, rm/mkdir, exit codes.
. "$top_srcdir/tests/lib/tap.sh"
tap_plan 41

export TZ=UTC
site="$TAP_TMP/site"
data="$site/data"
tree="$site/meta/ns@/tree"
sed -e "s#/tmp/marfs-demo#$site#g" -e 's#<PSZ>64K#<PSZ>4K#' \
    -e 's#<max_size>16M#<max_size>256K#' \
    "$top_srcdir/config/demo.xml" > "$TAP_TMP/c.xml"
marfs-verifyconf -q --check-dirs --fix "$TAP_TMP/c.xml" >/dev/null
export MARFS_CONFIG="$TAP_TMP/c.xml"
src="$TAP_TMP/src"
mkdir "$src"

# "KIND PART FILE" for each block of object number $2 (1-based) of a
# file, at the location marfs stat gives for it.
blocks() {
    marfs stat "$1" | awk -v root="$data" -v want="$2" '
        /^  object / { obj = $2; sub(/:$/, "", obj); gsub(/\//, "%2F", obj); n++ }
        /^    block / && n == want {
            b = $2; s = $8; p = $11; sub(/:/, "", b); sub(/:/, "", s); sub(/:/, "", p)
            print $9, p, root "/pod" $4 "/block" b "/cap" $6 "/scat" s "/" obj }'
}
# The block file holding data part $3 of object $2 of file $1.
data_block() { blocks "$1" "$2" | awk -v p="$3" '$1 == "data" && $2 == p { print $3 }'; }
# Invert the byte at offset $2 of file $1.
flip() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((b ^ 255)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# ---- put / get ---------------------------------------------------------
head -c 100000 /dev/urandom > "$src/a"
printf 'hello\n' > "$src/b"
chown 1234:567 "$src/a"
chmod 0640 "$src/a"
chmod 0644 "$src/b"
touch -d '2020-01-02 03:04:05' "$src/a"
touch -d '2021-05-06 07:08:09' "$src/b"
marfs mkdir /campaign/t
tap_is "$?" 0 "mkdir /campaign/t"
marfs put -p "$src/a" "$src/b" /campaign/t
tap_is "$?" 0 "put -p of two files into a directory"
marfs get /campaign/t/a "$TAP_TMP/a.out"
tap_ok "$(cmp "$src/a" "$TAP_TMP/a.out"; echo $?)" "get returns the bytes put (file)"
head -c 300000 /dev/urandom > "$src/stdin"
marfs put - /campaign/t/s < "$src/stdin"
tap_is "$?" 0 "put from standard input"
marfs get /campaign/t/s > "$TAP_TMP/s.out"
tap_ok "$(cmp "$src/stdin" "$TAP_TMP/s.out"; echo $?)" \
    "get to standard output returns the bytes put from stdin (2 objects)"

# ---- ls -l ---------------------------------------------------------------
ln -s a "$tree/t/lnk"
touch -h -d '2022-01-01 00:00:00' "$tree/t/lnk"
marfs rm /campaign/t/s
tap_is "$?" 0 "rm a file"
# the link count the API reports for a file with one name (whether it
# counts the inode's reference-tree link is the library's business)
nl=$(marfs stat /campaign/t/b | sed -n 's/.*Links: \([0-9]*\).*/\1/p')
out=$(marfs ls -ln /campaign/t)
tap_is "$out" "-rw-r----- $nl 1234 567 100000 2020-01-02 03:04 a
-rw-r--r-- $nl 0    0        6 2021-05-06 07:08 b
lrwxrwxrwx 1 0    0        1 2022-01-01 00:00 lnk -> a" \
    "ls -ln: mode, links, owner, group, size, mtime, name, link target"
out=$(marfs ls /campaign/t)
tap_is "$out" "a
b
lnk" "ls: names only, sorted"
out=$(marfs ls -l /campaign/t/b)
tap_is "$out" "-rw-r--r-- $nl root root 6 2021-05-06 07:08 /campaign/t/b" \
    "ls -l of a file: owner names"

# ---- stat ------------------------------------------------------------------
out=$(marfs stat /campaign/t/a)
tap_is "$?" 0 "stat of a complete file exits 0"
tap_is "$(grep -E '^  (state|protection|size|N:1):' <<<"$out")" "  state: complete
  N:1: no
  size: 100000
  protection: 4+2, psz 4096" "stat decodes state, N:1, size and protection"
tap_is "$(grep -c '^  object ' <<<"$out"):$(grep -c '^Objects: 1$' <<<"$out")" \
    "1:1" "stat lists the one object the file spans"
tap_is "$(grep -cE '^    block [0-5]: pod 0 cap [01] scatter [0-3]: (data|parity) part [0-3]: ok$' <<<"$out")" \
    6 "stat prints one healthy line per block (4+2)"
tap_is "$(blocks /campaign/t/a 1 | awk '{print $1}' | sort | uniq -c | tr -s ' ')" \
    " 4 data
 2 parity" "stat names 4 data and 2 parity parts"
missing=0
while read -r _ _ f; do [ -f "$f" ] || missing=$((missing + 1)); done < <(blocks /campaign/t/a 1)
tap_is "$missing" 0 "every block file is where stat says it lives"
stream_a=$(grep '^  stream:' <<<"$out")
tap_is "$(marfs stat /campaign/t/b | grep '^  stream:')" "$stream_a" \
    "files put together share a pack stream"
out=$(marfs stat /campaign/t/lnk)
tap_is "$?:$(grep -E '^(File|Type):' <<<"$out")" "0:File: /campaign/t/lnk -> a
Type: symbolic link" "stat of a symlink shows its target, no tag"

# ---- corrupt and truncated tags ---------------------------------------------
printf 'tagged\n' > "$src/c"
marfs put "$src/c" /campaign/t/c
good=$(getfattr --absolute-names --only-values -n user.marfs.tag "$tree/t/c")
setfattr -n user.marfs.tag -v garbage "$tree/t/c"
marfs stat /campaign/t/c >/dev/null 2>"$TAP_TMP/err"
tap_is "$?:$(cat "$TAP_TMP/err")" \
    "1:marfs: stat /campaign/t/c: corrupt marfs tag (user.marfs.tag on $tree/t/c): \"garbage\"" \
    "stat of a garbage tag: exit 1, clear message"
setfattr -n user.marfs.tag -v "${good:0:60}" "$tree/t/c"
marfs stat /campaign/t/c >/dev/null 2>"$TAP_TMP/err"
tap_is "$?:$(cat "$TAP_TMP/err")" \
    "1:marfs: stat /campaign/t/c: corrupt marfs tag (user.marfs.tag on $tree/t/c): \"${good:0:60}\"" \
    "stat of a truncated tag: exit 1, clear message"
setfattr -x user.marfs.tag "$tree/t/c"
marfs stat /campaign/t/c >/dev/null 2>"$TAP_TMP/err"
tap_is "$?:$(cat "$TAP_TMP/err")" \
    "1:marfs: stat /campaign/t/c: the file has no marfs tag (user.marfs.tag on $tree/t/c)" \
    "stat of a file without tag: exit 1"
marfs get /campaign/t/c "$TAP_TMP/c.out" 2>"$TAP_TMP/err"
tap_is "$?:$(tail -n1 "$TAP_TMP/err"):$([ -e "$TAP_TMP/c.out" ]; echo $?)" \
    "1:marfs: get /campaign/t/c: Input/output error:1" \
    "get of an untagged file fails and leaves no copy"
setfattr -n user.marfs.tag -v "$good" "$tree/t/c"
tap_is "$(marfs get /campaign/t/c)" "tagged" "the restored tag reads again"

# ---- verify --------------------------------------------------------------------
marfs mkdir /campaign/v
head -c 100000 /dev/urandom > "$src/v"
cp "$src/v" "$src/w"
marfs put "$src/v" /campaign/v/v && marfs put "$src/w" /campaign/v/w
out=$(marfs verify /campaign/v/v)
tap_is "$?:$out" "0:/campaign/v/v: ok (100000 bytes, crc $(marfs stat /campaign/v/v | awk '/^  crc:/ {print $2}'))" \
    "verify of an intact file: exit 0, CRC shown"
flip "$(data_block /campaign/v/v 1 1)" 100
marfs verify /campaign/v/v >/dev/null 2>&1
tap_is "$?" 0 "one flipped byte in one data block is reconstructed (E=2)"
marfs get /campaign/v/v "$TAP_TMP/v.out" 2>/dev/null
tap_ok "$(cmp "$src/v" "$TAP_TMP/v.out"; echo $?)" "get still returns the exact bytes"
flip "$(data_block /campaign/v/v 1 0)" 100
flip "$(data_block /campaign/v/v 1 2)" 100
marfs verify /campaign/v 2>"$TAP_TMP/err" >"$TAP_TMP/out"
tap_is "$?" 1 "flipped bytes in E+1 blocks: verify exits 1"
tap_is "$(grep -c '^marfs: verify /campaign/v/v: Input/output error$' "$TAP_TMP/err"):$(cat "$TAP_TMP/out" | sed 's/ (.*//')" \
    "1:/campaign/v/w: ok" "verify names the damaged file and still passes the intact one"
rm -f "$TAP_TMP/v.out"
marfs get /campaign/v/v "$TAP_TMP/v.out" 2>/dev/null
tap_is "$?:$([ -e "$TAP_TMP/v.out" ]; echo $?)" "1:1" \
    "get of the damaged file fails and writes no wrong bytes"
n=0
for f in $(blocks /campaign/v/w 1 | awk '{print $3}'); do
    [ $n -lt 3 ] && rm "$f"
    n=$((n + 1))
done
out=$(marfs stat /campaign/v/w 2>"$TAP_TMP/err")
tap_is "$?:$(grep -c ': missing (No such file or directory)$' <<<"$out")" "1:3" \
    "stat shows the 3 deleted blocks missing and exits 1"
marfs get /campaign/v/w > "$TAP_TMP/w.out" 2>/dev/null
tap_is "$?:$(stat -c %s "$TAP_TMP/w.out")" "1:0" \
    "get of a file with E+1 lost blocks fails, no bytes out"

# ---- rm / mkdir ------------------------------------------------------------
marfs mkdir -p /campaign/m/x/y
tap_is "$?:$(marfs ls -d /campaign/m/x/y)" "0:/campaign/m/x/y" "mkdir -p creates every level"
out=$(marfs ls -l /campaign/m/x/y)
tap_is "$?:$out" "0:" "ls of an empty directory prints nothing"
marfs mkdir -p /campaign/m/x/y
tap_is "$?" 0 "mkdir -p of an existing directory succeeds"
marfs mkdir -m 0700 /campaign/m/p
tap_is "$(marfs ls -ld /campaign/m/p | cut -c1-10)" "drwx------" "mkdir -m sets the exact mode"
marfs rm /campaign/m 2>"$TAP_TMP/err"
tap_is "$?:$(cat "$TAP_TMP/err")" "1:marfs: rm /campaign/m: Is a directory" \
    "rm of a directory without -r fails"
marfs rm -r /campaign/m
tap_is "$?:$(marfs ls /campaign/m 2>&1)" \
    "0:marfs: ls /campaign/m: No such file or directory" "rm -r removes a tree"

# ---- exit codes -----------------------------------------------------------
for cmd in "ls" "stat" "rm" "verify"; do
    marfs $cmd /campaign/nope 2>"$TAP_TMP/err"
    rc=$?
    [ "$rc:$(cat "$TAP_TMP/err")" = "1:marfs: $cmd /campaign/nope: No such file or directory" ] ||
        { tap_diag "$cmd: $rc $(cat "$TAP_TMP/err")"; rc=99; }
    codes="${codes:-}$rc "
done
tap_is "$codes" "1 1 1 1 " "a missing path: exit 1, path and reason named (ls, stat, rm, verify)"
marfs ls /elsewhere 2>"$TAP_TMP/err"
tap_is "$?:$(cat "$TAP_TMP/err")" \
    "1:marfs: ls /elsewhere: not an absolute path under the mount point /campaign" \
    "a path outside mnt_top is named"
codes=""
for args in "" "frob" "ls" "put onlyone" "get" "mkdir -z /campaign/q"; do
    marfs $args >/dev/null 2>&1
    codes="$codes$? "
done
tap_is "$codes" "2 2 2 2 2 2 " "usage errors exit 2"
marfs --config "$TAP_TMP/none.xml" ls /campaign 2>/dev/null
tap_is "$?" 2 "a missing config file exits 2"
env -u MARFS_CONFIG marfs ls /campaign 2>"$TAP_TMP/err"
tap_is "$?:$(cat "$TAP_TMP/err")" \
    "2:marfs: no config: use --config CONFIG or set MARFS_CONFIG" \
    "no config at all exits 2 and says how to give one"
tap_done
