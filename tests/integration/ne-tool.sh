#!/usr/bin/env bash
# ne-tool.sh - the marfs-ne contract: put/get (whole and ranges) exact,
# stat/verify/rebuild/delete output and exit codes, clear errors for a
# bad config, an unknown repo, a missing object and a failed write, and a
# bench smoke run.
. "$top_srcdir/tests/lib/tap.sh"
tap_plan 25

sed -e "s#/tmp/marfs-demo#$TAP_TMP#g" \
    -e 's#<DAL type="posix">#<DAL type="fault"><DAL type="posix">#' \
    -e 's#</DAL>#</DAL></DAL>#' "$top_srcdir/config/demo.xml" > "$TAP_TMP/c.xml"
cfg="$TAP_TMP/c.xml"
data="$TAP_TMP/data"
mkdir -p "$data"
head -c 1234567 /dev/urandom > "$TAP_TMP/in"

marfs-ne >/dev/null 2>&1
tap_is "$?" 2 "no arguments: usage error"
marfs-ne frob "$cfg" demo x >/dev/null 2>&1
tap_is "$?" 2 "unknown command: usage error"
out=$(marfs-ne get "$TAP_TMP/none.xml" demo x 2>&1)
tap_is "$?:$(tail -1 <<<"$out")" "2:marfs-ne: $TAP_TMP/none.xml: unusable config" \
    "unreadable config: exit 2, named"
out=$(marfs-ne get "$cfg" nope x 2>&1)
tap_is "$?:$out" "2:marfs-ne: no repo 'nope' in $cfg (repos: demo)" \
    "unknown repo: exit 2, the known repos listed"

out=$(marfs-ne put "$cfg" demo obj < "$TAP_TMP/in" 2>&1)
tap_is "$?" 1 "put before init fails (block directories missing)"
marfs-ne init "$cfg" demo
tap_is "$?" 0 "init creates the block directories"
marfs-ne put "$cfg" demo obj < "$TAP_TMP/in"
tap_is "$?" 0 "put from a file"
marfs-ne get "$cfg" demo obj | cmp -s - "$TAP_TMP/in"
tap_ok $? "get returns the exact bytes"
cat "$TAP_TMP/in" | marfs-ne put "$cfg" demo piped &&
    marfs-ne get "$cfg" demo piped | cmp -s - "$TAP_TMP/in"
tap_ok $? "put from a pipe, exact"

ok=0
for r in "0 1" "1 0" "65535 2" "262143 262146" "1000000 999999" "1234566 5"; do
    set -- $r
    marfs-ne get --offset "$1" --length "$2" "$cfg" demo obj > "$TAP_TMP/r"
    tail -c +$(($1 + 1)) "$TAP_TMP/in" | head -c "$2" | cmp -s - "$TAP_TMP/r" || ok=1
done
tap_ok $ok "ranged gets return exactly the bytes asked for"
out=$(marfs-ne get -o 2000000 "$cfg" demo obj | wc -c)
tap_is "$?:$out" "0:0" "a range past the end is empty"

: | marfs-ne put "$cfg" demo empty && out=$(marfs-ne get "$cfg" demo empty | wc -c)
tap_is "$?:$out" "0:0" "an empty object"

# Block files (posix: data, 80 bytes of meta info, 32 of footer) of a
# 4 KiB object with 4+2 and 64 KiB parts: one short unit of 1024 + 4
# bytes, not 64 KiB; an empty object's blocks hold only the meta info.
head -c 4096 "$TAP_TMP/in" | marfs-ne put "$cfg" demo small
sizes() { find "$data" -type f -name "$1" -printf '%s\n' | sort -u | tr '\n' ' '; }
tap_is "$(find "$data" -type f -name small | wc -l):$(sizes small):$(sizes empty)" \
    "6:1140 :112 " "a small object's blocks are only as long as needed"

out=$(marfs-ne stat "$cfg" demo obj)
tap_is "$?:$(grep -c ': ok$' <<<"$out"):$(tail -1 <<<"$out")" \
    "0:6:damaged blocks: 0 of 6" "stat of a healthy object"
tap_is "$(head -1 <<<"$out" | cut -d, -f1-2)" "object obj: 4+2, 1234567 bytes" \
    "stat names geometry and size"

# Damage two blocks: one deleted, one with a flipped byte.
files=($(find "$data" -type f -name obj | sort))
rm "${files[1]}"
printf '\377' | dd of="${files[4]}" bs=1 seek=1000 conv=notrunc 2>/dev/null
out=$(marfs-ne verify "$cfg" demo obj 2>/dev/null)
tap_is "$?:$(tail -1 <<<"$out")" "1:damaged blocks: 2 of 6 (1,4)" \
    "verify lists the damaged blocks and exits 1"
tap_ok "$(grep -qx 'block 1: missing (No such file or directory)' <<<"$out" &&
          grep -qx 'block 4: corrupt (Bad message)' <<<"$out"; echo $?)" \
    "and says what is wrong with each"
marfs-ne get "$cfg" demo obj 2>"$TAP_TMP/err" | cmp -s - "$TAP_TMP/in"
tap_ok $? "a damaged object still reads exact"
tap_is "$(tail -1 "$TAP_TMP/err")" "marfs-ne: obj has 2 damaged blocks; rebuild needed" \
    "get warns that a rebuild is needed"
out=$(marfs-ne rebuild "$cfg" demo obj 2>/dev/null)
tap_is "$?:$(tail -1 <<<"$out")" "0:rebuilt 2 blocks; object verifies clean" \
    "rebuild"
marfs-ne verify "$cfg" demo obj >/dev/null 2>&1 &&
    marfs-ne get "$cfg" demo obj | cmp -s - "$TAP_TMP/in"
tap_ok $? "verify is clean afterwards and the bytes are exact"

out=$(MARFS_FAULT="op=put block=2,5 err=EIO" marfs-ne put "$cfg" demo bad \
      < "$TAP_TMP/in" 2>&1)
tap_is "$?:$(grep -c 'write quorum 5' <<<"$out"):$(tail -1 <<<"$out")" \
    "1:1:marfs-ne: put bad: Input/output error" \
    "a write losing E blocks fails with a clear error"
out=$(MARFS_FAULT="op=put block=3 err=EIO" marfs-ne put "$cfg" demo one \
      < "$TAP_TMP/in" 2>&1)
tap_is "$?:$(tail -1 <<<"$out")" \
    "0:marfs-ne: one written with 1 failed blocks; rebuild needed" \
    "a write losing one block succeeds and says so"

marfs-ne delete "$cfg" demo obj
out=$(marfs-ne get "$cfg" demo obj 2>&1 >/dev/null)
tap_is "$?:$out" "1:marfs-ne: object obj not found in repo demo" \
    "after delete: not found, exit 1"

out=$(marfs-ne bench -g 4+2 -p 64K -s 4M -r 1 -d "$TAP_TMP/bench" 2>&1)
tap_is "$?:$(grep -c '^  4+2 ' <<<"$out")" "0:7" "bench runs and prints its figures"
tap_done
