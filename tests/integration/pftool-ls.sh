#!/usr/bin/env bash
# pftool-ls.sh - pfls lists every entry once (as find does), -l lines,
# --sort within a directory, --summary totals and histogram, --json;
# with 2 and 6 ranks; a reader of the output that goes away (| head)
# ends the job quietly with 141; the output rank writes into the relay's
# FIFO when it can, through mpirun otherwise, with the same result.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup
tap_plan 21

src=$TAP_TMP/src
nasty_tree "$src" 65536 3000
want=$(cd "$TAP_TMP" && find src -mindepth 1 | sort)
for np in 2 6; do
    got=$(cd "$TAP_TMP" && pfls -np "$np" -R src 2>&1 | sed '$d' | sort)
    tap_is "$got" "$want" "pfls -R with $np ranks lists what find lists"
done

nfiles=$(find "$src" -type f -printf x | wc -c)
ndirs=$(find "$src" -mindepth 1 -type d -printf x | wc -c)
nlinks=$(find "$src" -type l -printf x | wc -c)
pfls -np 3 -R -q --summary "$src" >"$TAP_TMP/sum" 2>&1
tap_is "$?" 0 "pfls --summary exits 0"
grep -q "$nfiles files .*, $((ndirs + 1)) dirs, $nlinks symlinks" "$TAP_TMP/sum"
tap_ok $? "totals match find ($nfiles files, $ndirs+1 dirs, $nlinks symlinks)"
hist=$(awk '/file sizes:/ { on = 1; next } on { s += $2 } END { print s }' "$TAP_TMP/sum")
tap_is "$hist" "$nfiles" "the size histogram counts every file"

line=$(pfls -np 2 -l "$src/modes/m4755" 2>/dev/null | head -1)
case "$line" in
    "-rwsr-xr-x "*" 100 "*"$src/modes/m4755") r=0 ;;
    *) r=1 ;;
esac
tap_ok $r "pfls -l shows mode, size and path ($line)"
line=$(pfls -np 2 -l "$src/links/relative" 2>/dev/null | head -1)
case "$line" in *"2001-02-03 04:05 $src/links/relative -> ../sizes/one-byte") r=0 ;; *) r=1 ;; esac
tap_ok $r "pfls -l shows the mtime and link target"

got=$(pfls -np 4 --sort "$src/many" 2>/dev/null | sed '$d')
tap_is "$got" "$(find "$src/many" -mindepth 1 | sort)" "--sort orders a directory's entries"

pfls -np 2 -R -q --json --summary "$src" >"$TAP_TMP/j" 2>&1
python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if d["type"]=="summary" and d["files_seen"]==int(sys.argv[2]) and sum(d["histogram"].values())==int(sys.argv[2]) else 1)' \
    "$TAP_TMP/j" "$nfiles"
tap_ok $? "--json prints a parseable summary with the counts"

pfls -np 2 "$TAP_TMP/nope" >"$TAP_TMP/e" 2>&1
tap_is "$?" 1 "a missing path: exit 1"
grep -q "nope: stat: No such file or directory" "$TAP_TMP/e"
tap_ok $? "the missing path is reported with errno text"
# Output into a pipe goes through pftool-relay: all of it when it is read
# to the end, and the job stops quietly when the reader leaves.  The
# listing (about 200 KiB) is more than a pipe and head's buffer hold, so
# the relay's writes after head exits fail with EPIPE.
n=$(pfls -np 2 -R "$src" 2>/dev/null | wc -l)
tap_is "$n" "$(($(find "$src" -mindepth 1 | wc -l) + 1))" \
    "pfls -R into a pipe read to the end: every entry and the summary line"
tap_ok "$(test "$(pfls -np 2 -R -l "$src" 2>/dev/null | wc -c)" -gt 150000; echo $?)" \
    "the -l listing is bigger than the pipe buffers (the next test needs it)"
pfls -np 2 -R -l "$src" 2>"$TAP_TMP/head.err" | head -1 >"$TAP_TMP/head.out"
st=("${PIPESTATUS[@]}")
tap_is "${st[0]} ${st[1]}" "141 0" "pfls -R -l | head -1: pfls exits 141 (the reader left), head 0"
tap_is "$(cat "$TAP_TMP/head.err")" "" "nothing on stderr (no mpirun SIGPIPE abort or crash report)"
left=1
for _ in $(seq 50); do
    pgrep -f "pftool ls .*$src" >/dev/null || { left=0; break; }
    sleep 0.1
done
tap_is "$left" 0 "no rank of the stopped job is left running"

# The output rank's lines go through the relay's FIFO (its own TMPDIR
# here, to see what is left); with the FIFO out of reach (the name points
# nowhere, as on another host) they go through mpirun: the same lines.
mkdir "$TAP_TMP/t"
TMPDIR=$TAP_TMP/t MARFS_LOG=debug pfls -np 2 -R -l "$src" >"$TAP_TMP/via-fifo" 2>"$TAP_TMP/fifo.err"
tap_is "$?" 0 "pfls -R -l through the FIFO exits 0"
tap_ok "$(grep -q "output into the front-end's FIFO $TAP_TMP/t/pftool-out" "$TAP_TMP/fifo.err"; echo $?)" \
    "the output rank wrote into the relay's FIFO"
printf '#!/bin/sh\nPFTOOL_OUTPUT_FIFO=%s/none exec %s "$@"\n' "$TAP_TMP" "$(command -v mpirun)" \
    >"$TAP_TMP/mpirun-nofifo"
chmod +x "$TAP_TMP/mpirun-nofifo"
TMPDIR=$TAP_TMP/t PFTOOL_MPIRUN=$TAP_TMP/mpirun-nofifo MARFS_LOG=debug \
    pfls -np 2 -R -l "$src" >"$TAP_TMP/via-mpirun" 2>"$TAP_TMP/nofifo.err"
tap_ok "$(grep -q "none: No such file or directory; output through mpirun" "$TAP_TMP/nofifo.err"; echo $?)" \
    "without the FIFO the output rank writes through mpirun"
tap_is "$(sed '$d' "$TAP_TMP/via-fifo" | sort | md5sum)" "$(sed '$d' "$TAP_TMP/via-mpirun" | sort | md5sum)" \
    "both ways give the same $(wc -l <"$TAP_TMP/via-fifo") lines"
TMPDIR=$TAP_TMP/t pfls -np 2 -R -l "$src" 2>/dev/null | head -1 >/dev/null
tap_is "$(ls -A "$TAP_TMP/t")" "" "nothing is left in TMPDIR (FIFO, status file), also after | head"
tap_done
