#!/usr/bin/env bash
# api-bench-smoke.sh - scripts/bench-marfs and its driver keep working: a
# tiny run in a scratch directory (no loop mount) prints the full table,
# and the driver's own read-back checks pass.
. "$top_srcdir/tests/lib/tap.sh"
tap_plan 5

bench=$top_builddir/tests/helpers/bench_api
out=$(bench-marfs -B "$bench" -d "$TAP_TMP/b" -n 300 -s 1K -b 8M 2>&1)
rc=$?
tap_is "$rc" 0 "bench-marfs runs to the end"
tap_is "$(grep -cE '^(cp -a|marfs|dd|cat)' <<<"$out")" 13 \
    "it prints the 13 rows of the table"
tap_ok "$(grep -q '^small files: 1 objects of 12 blocks' <<<"$out"; echo $?)" \
    "300 packed files land in one object"
tap_is "$(ls -A "$TAP_TMP/b")" "" "it removes its scratch directory"

# The driver refuses wrong data: overwrite a block file's bytes behind the
# library's back and the read-back check (through ne's CRCs) fails.
mkdir -p "$TAP_TMP/r/repo/data"
sed -e "s#@W@#$TAP_TMP/r#g" > "$TAP_TMP/r/marfs.xml" <<'XML'
<marfs_config version="1"><mnt_top>/bench</mnt_top><repo name="b"><data>
<protection><N>2</N><E>0</E><PSZ>4K</PSZ></protection>
<distribution><pods cnt="1"/><caps cnt="1"/><scatters cnt="1"/></distribution>
<DAL type="posix"><dir_template>b{b}</dir_template><sec_root>@W@/repo/data</sec_root></DAL>
</data><meta><namespaces><ns name="root"/></namespaces>
<MDAL type="posix"><ns_root>@W@/repo/meta</ns_root></MDAL></meta></repo></marfs_config>
XML
"$bench" init "$TAP_TMP/r/marfs.xml" &&
    "$bench" small "$TAP_TMP/r/marfs.xml" /bench/s 20 100 >/dev/null
# (no <packing>: one object per file; spoil every block of one object
# inside the file's data, at object offset 512+)
obj=$(find "$TAP_TMP/r/repo/data" -type f -name '[!.]*' -printf '%f\n' | sort | head -1)
for blk in "$TAP_TMP"/r/repo/data/b*/"$obj"; do
    printf 'XXXXXXXX' | dd of="$blk" bs=1 seek=560 conv=notrunc status=none
done
"$bench" readsmall "$TAP_TMP/r/marfs.xml" /bench/s 20 100 >/dev/null 2>&1
tap_ok "$([ $? -ne 0 ]; echo $?)" "a damaged object (E=0) makes the read-back fail"
tap_done
