#!/usr/bin/env bash
# config-bad.sh - every malformed config under tests/configs/bad fails
# marfs-verifyconf with exit 1 and exactly the error line its
# "<!-- expect: LINE: <element>: message -->" comment names.
. "$top_srcdir/tests/lib/tap.sh"

dir="$top_srcdir/tests/configs/bad"
files=("$dir"/*.xml)
tap_plan "${#files[@]}"
cd "$dir" || exit 1
for path in "${files[@]}"; do
    f=${path##*/}
    want=$(sed -n 's/.*<!-- expect: \(.*\) -->.*/\1/p' "$f" | head -1)
    out=$(marfs-verifyconf -q "$f" 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && grep -qFx -- "$f:$want" <<<"$out"; then
        tap_ok 0 "$f: $want"
    else
        tap_ok 1 "$f: exit $rc, expected 1 and '$f:$want'"
        printf '%s\n' "$out" | sed 's/^/#   /'
    fi
done
tap_done
