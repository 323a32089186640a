#!/usr/bin/env bash
# pftool-errors.sh - exit codes and the failed list: an unreadable file
# (as nobody, and by fault injection), a full destination (2 MiB tmpfs),
# a missing source, usage errors, a tree copied into itself.  Failed
# files are reported with path and errno text, never published, the rest
# of the job completes, and the failed list is reusable as --files-from.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup
tap_plan 24

src=$TAP_TMP/src
mkdir -p "$src/d1" "$src/d2"
for i in 1 2 3 4 5; do head -c $((i * 3000)) /dev/urandom > "$src/d1/f$i"; done
for i in 1 2 3; do head -c 100000 /dev/urandom > "$src/d2/g$i"; done
head -c $((1 << 20)) /dev/urandom > "$src/big"

# Unreadable for the user: a 0000 file copied by nobody.
chmod 755 "$TAP_TMP" && chmod -R a+rX "$src"
chmod 0000 "$src/d1/f2"
mkdir "$TAP_TMP/nb" && chown nobody "$TAP_TMP/nb"
runuser -u nobody -- env PATH="$PATH" TMPDIR="$TAP_TMP/nb" pfcp -np 2 -R \
    --failed-list "$TAP_TMP/nb/failed" "$src" "$TAP_TMP/nb/dst" >"$TAP_TMP/o1" 2>&1
tap_is "$?" 1 "an unreadable file makes the exit status 1"
grep -q "d1/f2: opening: Permission denied" "$TAP_TMP/o1"
tap_ok $? "the error names the path and the errno text"
tap_is "$(cat "$TAP_TMP/nb/failed")" "$src/d1/f2" "the failed list holds exactly that path"
[ ! -e "$TAP_TMP/nb/dst/d1/f2" ] && cmp -s "$src/d1/f5" "$TAP_TMP/nb/dst/d1/f5" &&
    cmp -s "$src/big" "$TAP_TMP/nb/dst/big"
tap_ok $? "the failed file is not published; the others are copied"
chmod 0644 "$src/d1/f2"
runuser -u nobody -- env PATH="$PATH" TMPDIR="$TAP_TMP/nb" pfcp -np 2 -R \
    --files-from "$TAP_TMP/nb/failed" "$src" "$TAP_TMP/nb/dst" >"$TAP_TMP/o2" 2>&1
tap_is "$?" 0 "rerun with --files-from the failed list exits 0"
diff -r "$src" "$TAP_TMP/nb/dst" >/dev/null
tap_ok $? "after the rerun the copy is complete"

# Fault injection: an I/O error on a chunked file.
pfcp -np 3 -R --chunk-size 256K --fault='write=big' --failed-list "$TAP_TMP/f3" \
    "$src" "$TAP_TMP/dst3" >"$TAP_TMP/o3" 2>&1
tap_is "$?" 1 "an I/O error on a chunked file makes the exit status 1"
[ ! -e "$TAP_TMP/dst3/big" ] && [ "$(tree_temps "$TAP_TMP/dst3")" = 0 ] &&
    grep -qx "$src/big" "$TAP_TMP/f3"
tap_ok $? "the chunked file is neither published nor left as a temporary; it is listed"

# A full destination: 2 MiB tmpfs, 1.3 MiB of data... twice.
full=$TAP_TMP/full
mkdir "$full"
if mount -t tmpfs -o size=2m tmpfs "$full" 2>/dev/null; then
    tap_on_exit "umount '$full'"
    mkdir "$src/d3" && cp "$src/big" "$src/d3/big2"
    pfcp -np 4 -R --chunk-size 256K --failed-list "$TAP_TMP/f4" "$src" "$full/dst" \
        >"$TAP_TMP/o4" 2>&1
    tap_is "$?" 1 "a full destination makes the exit status 1"
    grep -q "No space left on device" "$TAP_TMP/o4"
    tap_ok $? "ENOSPC is reported with its errno text"
    [ -s "$TAP_TMP/f4" ]
    tap_ok $? "the files that did not fit are in the failed list"
    bad=0
    while IFS= read -r -d '' f; do
        cmp -s "$f" "$src/${f#"$full/dst/"}" || bad=1
    done < <(find "$full/dst" -type f -print0)
    tap_is "$bad:$(tree_temps "$full/dst")" "0:0" \
        "every published file is complete and no temporary is left"
    rm -r "$src/d3"
else
    for i in 1 2 3 4; do tap_ok 0 "# SKIP cannot mount a tmpfs here"; done
fi

pfcp -np 2 "$TAP_TMP/does-not-exist" "$TAP_TMP/dst5" >"$TAP_TMP/o5" 2>&1
tap_is "$?" 1 "a missing source makes the exit status 1"
pfcp -np 2 >/dev/null 2>&1
tap_is "$?" 2 "no arguments: usage error, exit 2"
pfcp -np 2 --no-such-option "$src" "$TAP_TMP/dst6" >/dev/null 2>&1
tap_is "$?" 2 "an unknown option: exit 2"
pfcp -np 2 -R "$src" "$src/d1/inside" >"$TAP_TMP/o7" 2>&1
tap_is "$?:$(grep -c 'into itself' "$TAP_TMP/o7")" "2:1" "copying a tree into itself is refused (exit 2)"
[ ! -e "$src/d1/inside" ]
tap_ok $? "nothing was written into the source"
pfcp -np 2 "$src" "$TAP_TMP/dst8" >"$TAP_TMP/o8" 2>&1
tap_is "$?" 1 "a directory without -R is reported (exit 1)"
# A named marfs config that cannot be loaded is a config error: nothing
# may be taken for a POSIX path (a copy meant for marfs would otherwise
# land in a local directory named like mnt_top).
printf '<marfs_config version="1">\n' > "$TAP_TMP/broken.xml"
MARFS_CONFIG=$TAP_TMP/broken.xml pfcp -np 2 "$src/d1" "$TAP_TMP/mnt/x" \
    >"$TAP_TMP/o9" 2>&1
tap_is "$?:$(grep -c "broken.xml: the marfs config is not usable" "$TAP_TMP/o9" | \
    awk '{print ($1 > 0)}')" "2:1" "an unusable MARFS_CONFIG: exit 2, named"
[ ! -e "$TAP_TMP/mnt/x" ]
tap_ok $? "nothing was written"
# The front-end's config file (comments, blank lines, trailing blanks, an
# unknown key, a last line without '=' or newline) and its status file:
# mpirun is a wrapper that records what it was given.
printf '#!/bin/sh\nprintf "%%s\\n" "$@" > "%s"\nexec mpirun "$@"\n' \
    "$TAP_TMP/mpirun-args" > "$TAP_TMP/mpirun-rec"
chmod +x "$TAP_TMP/mpirun-rec"
printf '# pftool.conf\n\n  # indented comment\nnp=3   \nmpirun=%s # the wrapper\nmpirun_args=--mca btl_vader_single_copy_mechanism none\nunknown=1\nnp' \
    "$TAP_TMP/mpirun-rec" > "$TAP_TMP/pftool.conf"
mkdir "$TAP_TMP/st"
PFTOOL_CONF=$TAP_TMP/pftool.conf TMPDIR=$TAP_TMP/st pfls -q --summary "$src/d2" \
    >"$TAP_TMP/o10" 2>&1
tap_is "$?:$(grep -c ': 3 files (' "$TAP_TMP/o10")" "0:1" \
    "pfls runs with the config file's settings"
tap_is "$(head -7 "$TAP_TMP/mpirun-args" | tr '\n' ' ')" \
    "-np 3 --oversubscribe --allow-run-as-root --mca btl_vader_single_copy_mechanism none " \
    "the config's np, mpirun and mpirun_args reach mpirun"
tap_is "$(ls -A "$TAP_TMP/st")" "" "the status file is removed"
chmod 0555 "$TAP_TMP/st"
runuser -u nobody -- env PATH="$PATH" PFTOOL_CONF=/dev/null TMPDIR="$TAP_TMP/st" \
    pfls -np 2 -q "$src" >"$TAP_TMP/o11" 2>&1
tap_is "$?:$(grep -c "cannot create a status file in $TAP_TMP/st" "$TAP_TMP/o11")" \
    "3:1" "an unwritable TMPDIR: exit 3, named"
tap_done
