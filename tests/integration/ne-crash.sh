#!/usr/bin/env bash
# ne-crash.sh - a writer killed with SIGKILL never leaves an object that
# reads as complete or returns wrong bytes: killed while streaming data it
# leaves only temporaries (".name.<hex>"), which readers ignore; killed
# while publishing, with fewer than N blocks out, the object reads as
# -EIO; with N or more out, it reads exact (degraded).  A later put of
# the same name succeeds despite the leftovers.
. "$top_srcdir/tests/lib/tap.sh"
tap_plan 13

data="$TAP_TMP/data"
sed -e "s#/tmp/marfs-demo#$TAP_TMP#g" \
    -e 's#<DAL type="posix">#<DAL type="fault"><DAL type="posix">#' \
    -e 's#</DAL>#</DAL></DAL>#' "$top_srcdir/config/demo.xml" > "$TAP_TMP/c.xml"
cfg="$TAP_TMP/c.xml"
mkdir -p "$data" && marfs-ne init "$cfg" demo
head -c 3000000 /dev/urandom > "$TAP_TMP/in"

temps() { find "$data" -type f -name '.*' | wc -l; }
published() { find "$data" -type f ! -name '.*' -name "$1" | wc -l; }

# Wait (up to 10 s) until at least $1 temporaries exist.
wait_temps() {
    for _ in $(seq 100); do
        [ "$(temps)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# 1. Killed mid-stream: the source stalls after 300 KB.
mkfifo "$TAP_TMP/fifo"
marfs-ne put "$cfg" demo stream < "$TAP_TMP/fifo" &
pid=$!
exec 3>"$TAP_TMP/fifo"
head -c 300000 "$TAP_TMP/in" >&3
wait_temps 6
tap_ok $? "the stalled writer has 6 temporary blocks"
{ kill -9 "$pid"; wait "$pid"; } 2>/dev/null
exec 3>&-
tap_is "$(published stream)" 0 "no block of the killed write is published"
out=$(marfs-ne get "$cfg" demo stream 2>&1 >/dev/null)
tap_is "$?:$out" "1:marfs-ne: object stream not found in repo demo" \
    "the reader ignores the temporaries: object not found"
marfs-ne stat "$cfg" demo stream >/dev/null 2>&1
tap_is "$?" 1 "stat says not found too"

# 2. Killed while publishing, 3 of 6 blocks out (N = 4).
MARFS_FAULT="op=close block=1,2,3 delay=20000" \
    marfs-ne put "$cfg" demo partial < "$TAP_TMP/in" &
pid=$!
for _ in $(seq 100); do
    [ "$(published partial)" -ge 3 ] && break
    sleep 0.1
done
tap_is "$(published partial)" 3 "3 blocks published, 3 closes stalled"
{ kill -9 "$pid"; wait "$pid"; } 2>/dev/null
out=$(marfs-ne get "$cfg" demo partial 2>&1 > "$TAP_TMP/out")
tap_is "$?:$(wc -c < "$TAP_TMP/out")" "1:0" \
    "fewer than N blocks: the read fails and returns no bytes"
tap_ok "$(grep -q 'only 3 blocks agree on its meta info, 4 are needed' <<<"$out"; echo $?)" \
    "the error says why"
marfs-ne verify "$cfg" demo partial >/dev/null 2>&1
tap_is "$?" 1 "verify reports the object as damaged"

# 3. Killed while publishing, 5 of 6 out: complete, degraded, exact.
MARFS_FAULT="op=close block=4 delay=20000" \
    marfs-ne put "$cfg" demo most < "$TAP_TMP/in" &
pid=$!
for _ in $(seq 100); do
    [ "$(published most)" -ge 5 ] && break
    sleep 0.1
done
{ kill -9 "$pid"; wait "$pid"; } 2>/dev/null
marfs-ne get "$cfg" demo most 2>/dev/null | cmp -s - "$TAP_TMP/in"
tap_ok $? "5 of 6 blocks: the object reads back exact"
out=$(marfs-ne stat "$cfg" demo most 2>&1)
tap_is "$?:$(grep -c '^block 4: missing' <<<"$out")" "1:1" \
    "stat names the block that never got published"
marfs-ne rebuild "$cfg" demo most >/dev/null 2>&1 &&
    marfs-ne verify "$cfg" demo most >/dev/null 2>&1
tap_ok $? "rebuild completes it"

# 4. Leftover temporaries do not disturb a new write of the same names.
marfs-ne put "$cfg" demo stream < "$TAP_TMP/in" &&
    marfs-ne put "$cfg" demo partial < "$TAP_TMP/in"
tap_ok $? "the names are written again"
marfs-ne get "$cfg" demo stream | cmp -s - "$TAP_TMP/in" &&
    marfs-ne get "$cfg" demo partial | cmp -s - "$TAP_TMP/in"
tap_ok $? "and read back exact, temporaries still present ($(temps))"
tap_done
