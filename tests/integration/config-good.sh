#!/usr/bin/env bash
# config-good.sh - the shipped example configs load and print exactly
# their recorded summary; --check-dirs / --fix judge and create the roots;
# exit codes for usage errors and unreadable files.
. "$top_srcdir/tests/lib/tap.sh"
tap_plan 12

cd "$top_srcdir/config" || exit 1
for name in demo production-10+2; do
    out=$(marfs-verifyconf "$name.xml" 2>&1)
    rc=$?
    want=$(cat "$top_srcdir/tests/configs/good/$name.summary")
    tap_is "$rc:$out" "0:$want" "$name.xml loads and prints its summary"
done

# A config whose roots live in scratch space.
root="$TAP_TMP/site"
sed -e "s#/tmp/marfs-demo#$root#g" demo.xml > "$TAP_TMP/c.xml"
out=$(marfs-verifyconf -q --check-dirs "$TAP_TMP/c.xml" 2>&1)
tap_is "$?" 1 "--check-dirs fails while the roots are missing"
tap_is "$(grep -c -e "metadata root $root/meta: No such file or directory (marfs-verifyconf --check-dirs --fix creates it)" \
    -e "data root $root/data: No such file or directory (marfs-verifyconf --check-dirs --fix creates it)" <<<"$out")" 2 \
    "both missing roots are named"
marfs-verifyconf -q --check-dirs --fix "$TAP_TMP/c.xml" >/dev/null 2>&1
tap_is "$?" 0 "--fix creates the roots"
tap_is "$(stat -c %a "$root"):$(stat -c %a "$root/meta"):$(stat -c %a "$root/data")" \
    "700:700:711" "created roots: 0700, the data root 0711 behind the 0700 one above it"
marfs-verifyconf -q --check-dirs "$TAP_TMP/c.xml" >/dev/null 2>&1
tap_is "$?" 0 "--check-dirs passes once they exist"
chmod 0777 "$root/data"
out=$(marfs-verifyconf -q --check-dirs "$TAP_TMP/c.xml" 2>&1)
tap_is "$?:$(grep -c "data root $root/data: writable by everyone (mode 0777)" <<<"$out")" \
    "1:1" "a world-writable data root is refused and named"

out=$(marfs-verifyconf "$TAP_TMP/nonexistent.xml" 2>&1)
tap_is "$?:$out" "1:$TAP_TMP/nonexistent.xml: cannot read config: No such file or directory
$TAP_TMP/nonexistent.xml: invalid config" "a missing file is named with its errno text"
marfs-verifyconf >/dev/null 2>&1
tap_is "$?" 2 "no argument is a usage error (exit 2)"
marfs-verifyconf --fix demo.xml >/dev/null 2>&1
tap_is "$?" 2 "--fix without --check-dirs is a usage error"
MARFS_LOG=loud marfs-verifyconf -q demo.xml >/dev/null 2>"$TAP_TMP/err"
tap_is "$?:$(cat "$TAP_TMP/err")" \
    "0:marfs-verifyconf: warn: MARFS_LOG=loud is not a level (error, warn, info, debug); keeping warn" \
    "a bad MARFS_LOG is reported and the tool still runs"
tap_done
