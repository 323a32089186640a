#!/usr/bin/env bash
# rman-undelete.sh - deleted files within the gc window: --list-deleted
# names them (path, size, deletion time, reference); --undelete links one
# back byte-exact at its old path (usage counts it again) or, with --to,
# at a new one; a taken name is refused; the newest of two deleted
# versions of a path comes back; after gc the file is gone and
# --undelete says so clearly (exit 1).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rman.sh"
rman_setup
rman_site || { echo "Bail out! no site"; exit 1; }
tap_plan 11

src=$TAP_TMP/src
mkdir -p "$src"
head -c 120000 /dev/urandom >"$src/big"
for i in 1 2 3; do head -c $((i * 1111)) /dev/urandom >"$src/s$i"; done
head -c 777 /dev/urandom >"$src/v1"
head -c 888 /dev/urandom >"$src/v2"
marfs mkdir "$TOP/u" && marfs put "$src/big" "$TOP/u/big" &&
    rman_ops pack "$src/s1:$TOP/u/s1" "$src/s2:$TOP/u/s2" "$src/s3:$TOP/u/s3" &&
    marfs put "$src/v1" "$TOP/u/v" && marfs put "$src/v2" "$TOP/u/v"
tap_is "$?" 0 "a chunked file, a pack of 3 and a file written twice"
marfs rm "$TOP/u/big" "$TOP/u/s2" "$TOP/u/v"
usage0=$(cat "$META/ns@/usage")

out=$(rman --list-deleted)
tap_is "$(cut -f2,3 <<<"$out" | sort)" "$(printf '%s\n' "120000	$TOP/u/big" "2222	$TOP/u/s2" "777	$TOP/u/v" "888	$TOP/u/v" | sort)" \
    "--list-deleted: size and path of the 4 deleted files (2 versions of v)"
tap_ok "$(cut -f1 <<<"$out" | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' | grep -q '^0$'; echo $?)" \
    "each with its deletion time"

out=$(rman --undelete "$TOP/u/big" "$TOP/u/v")
tap_is "$?:$(summary_field "$out" files-undeleted)" "0:2" "--undelete of two paths: exit 0"
same_bytes "$TOP/u/big" "$src/big" && same_bytes "$TOP/u/v" "$src/v2"
tap_ok $? "both read back byte-exact; v is the newest version"
tap_is "$(cat "$META/ns@/usage")" "$(awk -F'[= ]' '{ printf "files=%d bytes=%d", $2 + 2, $4 + 120000 + 888 }' <<<"$usage0")" \
    "usage counts them again"
out=$(rman --undelete "$TOP/u/v" 2>&1)
tap_is "$?:$(grep -c 'a file of that name exists' <<<"$out")" "1:1" \
    "the older version of v cannot take the taken name (exit 1)"
out=$(rman --undelete "$TOP/u/v" --to "$TOP/u/v.old")
same_bytes "$TOP/u/v.old" "$src/v1"
tap_ok $? "--to restores it under a new name, byte-exact"

rman --gc --age 1h -q
tap_is "$(rman --list-deleted | cut -f3)" "$TOP/u/s2" "gc within the window keeps s2 undeletable"
rman --gc --age 0 -q
out=$(rman --undelete "$TOP/u/s2" 2>&1)
tap_is "$?:$(grep -c 'garbage collection has already freed it' <<<"$out")" "1:1" \
    "after gc the file is gone and --undelete says so (exit 1)"
tap_is "$(rman --list-deleted)" "" "nothing is listed any more"
tap_done
