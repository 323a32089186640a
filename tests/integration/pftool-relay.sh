#!/usr/bin/env bash
# pftool-relay.sh - the front-ends' relay (pftool/relay.c) on its own:
# exit status and output of the command it runs, the FIFO it offers in
# PFTOOL_OUTPUT_FIFO, a reader that goes away (141), a command that
# cannot start (3), and a child that keeps its stdout after the command
# exits (not waited for).  TMPDIR is the test's, to see what is left.
. "$top_srcdir/tests/lib/tap.sh"
tap_plan 12

relay=$top_builddir/pftool/pftool-relay
export TMPDIR=$TAP_TMP/t
mkdir "$TMPDIR"

out=$("$relay" sh -c 'echo a; echo b; exit 5')
tap_is "$?" 5 "the command's exit status"
tap_is "$out" "a
b" "its stdout, in order"

"$relay" sh -c 'kill -TERM $$'
tap_is "$?" 143 "a command killed by a signal: 128 + the signal"

out=$("$relay" sh -c 'echo via-fifo > "$PFTOOL_OUTPUT_FIFO"; echo via-pipe')
tap_is "$?" 0 "a command writing into the FIFO exits 0"
tap_is "$(sort <<<"$out")" "via-fifo
via-pipe" "lines from the FIFO and from the command's stdout both arrive"
tap_is "$(ls -A "$TMPDIR")" "" "the FIFO and its directory are removed"

# A reader that goes away: the command is stopped, the relay exits 141
# without a word.
"$relay" sh -c 'exec yes' 2>"$TAP_TMP/epipe.err" | head -1 >/dev/null
st=("${PIPESTATUS[@]}")
tap_is "${st[0]}" 141 "the reader left: 141"
tap_is "$(cat "$TAP_TMP/epipe.err")" "" "nothing on stderr"

"$relay" "$TAP_TMP/nonexistent" 2>"$TAP_TMP/nx.err"
tap_is "$?" 3 "a command that cannot start: 3"
tap_ok "$(grep -q "cannot run $TAP_TMP/nonexistent: No such file or directory" "$TAP_TMP/nx.err"; echo $?)" \
    "and the message names it"

# A child of the command keeps its stdout open (as a launcher's child
# can): the relay returns once the command has exited and 2 s have passed
# in silence, not when the child ends (60 s).
SECONDS=0
out=$("$relay" sh -c 'sleep 60 & echo $! > "$0"; echo started; exit 4' "$TAP_TMP/child")
rc=$? took=$SECONDS
kill "$(cat "$TAP_TMP/child")" 2>/dev/null
tap_is "$rc $out" "4 started" "the command's status and output"
tap_ok "$([ "$took" -lt 20 ]; echo $?)" "the relay did not wait for the child (${took} s)"
tap_done
