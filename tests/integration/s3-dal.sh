#!/usr/bin/env bash
# s3-dal.sh - the S3 DAL and the erasure layer over it against a real
# s3rver on 127.0.0.1 (tests/unit/test_dal_s3.c), once per signing path:
# the round-trip matrix, losses of up to E blocks deleted by plain S3
# requests, multipart, aborted multipart writes, DAL semantics, plus the
# offline checks (retry policy, config errors).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/s3rver.sh"
tap_plan 2
s3rver_start
prog="$top_builddir/tests/unit/test_dal_s3"
for s in v2 v4; do
    out=$(S3_SIG=$s CMOCKA_MESSAGE_OUTPUT=stdout "$prog" 2>&1)
    rc=$?
    tap_ok $rc "S3 DAL over s3rver, signature $s: $(grep -c '^\[       OK \]' <<<"$out") cmocka tests passed"
    [ $rc -eq 0 ] || tap_diag "$(grep -v '^\[ \(RUN\|      OK\) ' <<<"$out" | tail -40)"
done
tap_done
