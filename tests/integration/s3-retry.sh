#!/usr/bin/env bash
# s3-retry.sh - a server that stalls for longer than low_speed_time and
# then comes back: the stalled requests time out and are retried after a
# jittered backoff with their bodies rewound, and the write succeeds with
# every byte exact (a retry that re-sent from a drained buffer would
# store short or wrong blocks, which the exact read and the erasure
# layer's CRCs catch).  Both signing paths; v4 with multipart parts.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/s3rver.sh"
. "$top_srcdir/tests/lib/s3cfg.sh"
tap_plan 7
s3rver_start
cfg=$TAP_TMP/c.xml
head -c $((4 << 20)) /dev/urandom > "$TAP_TMP/in"
# low_speed_limit 1 MiB/s: curl averages speed over a window of seconds,
# so a request that stalls after a burst is noticed only when it falls
# below the limit
limits="<retries>4</retries><connect_timeout>1</connect_timeout><low_speed_time>1</low_speed_time><low_speed_limit>1048576</low_speed_limit><timeout>20</timeout>"
# 64 KiB parts: the upload starts within 0.5 s, then a part leaves every
# 0.25 s, so parts are in flight when the server stalls
mp="<multipart_threshold>64K</multipart_threshold><part_size>64K</part_size>"
s3cfg "$cfg" "$S3_ENDPOINT" v4
marfs-verifyconf --check-dirs --fix "$cfg" >/dev/null || { echo "Bail out! --fix failed"; exit 1; }

# The object in 64 KiB pieces over about 4 s: parts are always in flight.
trickle() {
    local i
    for ((i = 0; i < 64; i++)); do
        dd if="$TAP_TMP/in" bs=64K skip=$i count=1 2>/dev/null
        sleep 0.05
    done
}

for sig in v2 v4; do
    extra=$limits
    [ $sig = v4 ] && extra="$limits$mp"
    s3cfg "$cfg" "$S3_ENDPOINT" $sig "$extra"
    if [ $sig = v2 ]; then
        # blocks go up as single PUTs at close: stall those
        s3rver_pause
        (sleep 2.5; s3rver_resume) &
        resumer=$!
        marfs-ne put --log-level info "$cfg" s3demo "retry-$sig" < "$TAP_TMP/in" > "$TAP_TMP/out" 2>&1
        rc=$?
    else
        # parts leave while the object is written: stall them mid-way
        # (debug level: the log says when each block's upload has started)
        trickle |
            marfs-ne put --log-level debug "$cfg" s3demo "retry-$sig" > "$TAP_TMP/out" 2>&1 &
        writer=$!
        for ((i = 0; i < 200; i++)); do
            [ "$(grep -c 'upload .* started' "$TAP_TMP/out")" -ge 6 ] && break
            sleep 0.05
        done
        (s3rver_pause; sleep 2.5; s3rver_resume) &
        resumer=$!
        wait $writer
        rc=$?
        grep -q "; retry [0-9]* of 4" < <(grep "PUT part" "$TAP_TMP/out")
        ok=$?
        tap_ok $ok "$sig: multipart parts were among the retried requests"
        [ $ok -eq 0 ] || tap_diag "$(grep retry "$TAP_TMP/out" | cut -c1-150 | head -4)"
    fi
    wait $resumer
    tap_is "$rc" 0 "$sig: the write succeeds although the server stalled for 2.5 s"
    [ $rc -eq 0 ] || tap_diag "$(tail -5 "$TAP_TMP/out")"
    n=$(grep -c "; retry [0-9]* of 4" "$TAP_TMP/out")
    tap_ok $((n == 0)) "$sig: stalled requests were retried ($n retries logged)"
    marfs-ne get "$cfg" s3demo "retry-$sig" | cmp -s - "$TAP_TMP/in"
    tap_ok $? "$sig: read back exact (bodies were re-sent from their start)"
done
tap_done
