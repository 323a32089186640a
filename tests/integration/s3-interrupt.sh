#!/usr/bin/env bash
# s3-interrupt.sh - interrupted writes on an S3 repo, both signing paths.
# The server stops answering in the middle of an object: the write fails
# with a timeout error naming endpoint and bucket within the configured
# limits, no block of it is there after the server comes back, and the
# retried write succeeds.  A writer killed half-way through multipart
# uploads leaves no object, and the next write of that name succeeds.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/s3rver.sh"
. "$top_srcdir/tests/lib/s3cfg.sh"
tap_plan 12
s3rver_start
cfg=$TAP_TMP/c.xml
head -c $((4 << 20)) /dev/urandom > "$TAP_TMP/in"
limits="<connect_timeout>2</connect_timeout><low_speed_time>2</low_speed_time><timeout>6</timeout>"
mp="<multipart_threshold>256K</multipart_threshold><part_size>256K</part_size>"
s3cfg "$cfg" "$S3_ENDPOINT" v4
marfs-verifyconf --check-dirs --fix "$cfg" >/dev/null || { echo "Bail out! --fix failed"; exit 1; }

# keys NAME: how many blocks of NAME the six buckets hold
keys() {
    local b n=0
    for b in 0 1 2 3 4 5; do
        n=$((n + $(s3_keys "marfs-pod0-block$b" | grep -c "/$1\$")))
    done
    echo $n
}

# Half the object, a pause (the server is stopped then), the rest.
slow_input() {
    head -c $((2 << 20)) "$TAP_TMP/in"
    sleep 3
    tail -c +$(((2 << 20) + 1)) "$TAP_TMP/in"
}

for sig in v2 v4; do
    extra=$limits
    [ $sig = v4 ] && extra="$limits$mp"
    s3cfg "$cfg" "$S3_ENDPOINT" $sig "$extra"
    slow_input | marfs-ne put "$cfg" s3demo "stop-$sig" > "$TAP_TMP/out" 2>&1 &
    pid=$!
    sleep 1
    s3rver_pause
    t0=$(date +%s)
    wait $pid
    rc=$?
    dt=$(($(date +%s) - t0))
    out=$(cat "$TAP_TMP/out")
    tap_ok $((rc != 1)) "$sig: the write fails (exit $rc) when the server stops answering"
    [ $rc -eq 1 ] || tap_diag "$out"
    grep -qF "in bucket 'marfs-pod0-block" <<<"$out" &&
    grep -qF "at http://$S3_ENDPOINT failed: " <<<"$out" &&
    grep -qF "(the server stopped answering within the configured timeouts)" <<<"$out"
    tap_ok $? "$sig: the error says timeout, names bucket and endpoint"
    [ $? -eq 0 ] || tap_diag "$(tail -5 <<<"$out")"
    tap_ok $((dt > 40)) "$sig: within the limits (${dt}s after the stop; 6 s a request, 1 retry)"
    s3rver_crash
    s3rver_restart
    tap_is "$(keys "stop-$sig")" 0 "$sig: after a restart no block of the failed object exists"
    marfs-ne put "$cfg" s3demo "stop-$sig" < "$TAP_TMP/in" &&
        marfs-ne get "$cfg" s3demo "stop-$sig" | cmp -s - "$TAP_TMP/in"
    tap_ok $? "$sig: the retried write succeeds, read back exact"
done

# A writer killed while its parts are going up.
s3cfg "$cfg" "$S3_ENDPOINT" v4 "$mp"
mkfifo "$TAP_TMP/fifo"
marfs-ne put "$cfg" s3demo killed < "$TAP_TMP/fifo" 2>/dev/null &
pid=$!
slow_input > "$TAP_TMP/fifo" 2>/dev/null &
feeder=$!
sleep 1.5
kill -KILL $pid
wait $pid 2>/dev/null
kill $feeder 2>/dev/null
wait $feeder 2>/dev/null
tap_is "$(keys killed)" 0 "a writer killed half-way through its multipart uploads leaves no object"
marfs-ne put "$cfg" s3demo killed < "$TAP_TMP/in" &&
    marfs-ne get "$cfg" s3demo killed | cmp -s - "$TAP_TMP/in" &&
    [ "$(keys killed)" = 6 ]
tap_ok $? "the next write of that name is not disturbed: six blocks, read back exact"
tap_done
