#!/usr/bin/env bash
# s3-errors.sh - each usual failure of an S3 repo gives its own clear
# error naming endpoint and bucket: missing buckets (and verifyconf
# --check-dirs/--fix checking and creating them), bad credentials on
# both signing paths, an unreachable port, a credentials file others can
# read, a TLS failure (and <ca_file> curing it).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/s3rver.sh"
. "$top_srcdir/tests/lib/s3cfg.sh"
tap_plan 22
s3rver_start
cfg=$TAP_TMP/c.xml
head -c 300000 /dev/urandom > "$TAP_TMP/in"
b0=marfs-pod0-block0

for sig in v2 v4; do
    s3cfg "$cfg" "$S3_ENDPOINT" $sig
    out=$(marfs-ne put "$cfg" s3demo obj < "$TAP_TMP/in" 2>&1)
    rc=$?
    grep -qF "in bucket 'marfs-pod0-block" <<<"$out" &&
    grep -qF "at http://$S3_ENDPOINT failed: HTTP 404 NoSuchBucket" <<<"$out" &&
    grep -qF "(the bucket does not exist: marfs-verifyconf --check-dirs --fix creates it)" <<<"$out"
    tap_ok $? "$sig: missing bucket: put fails (exit $rc) naming bucket and endpoint, saying how to fix"
    [ $rc -eq 1 ] || tap_diag "$out"
done

out=$(marfs-verifyconf --check-dirs "$cfg" 2>&1)
rc=$?
tap_is "$rc:$(grep -c "s3 DAL: bucket 'marfs-pod0-block[0-5]' does not exist at $S3_ENDPOINT (--fix creates it)" <<<"$out")" \
    "1:6" "--check-dirs: every missing bucket named, exit 1"
out=$(marfs-verifyconf --check-dirs --fix "$cfg" 2>&1)
tap_is "$?:$(grep -c 'data locations: ok' <<<"$out")" "0:1" "--fix creates the buckets"
n=0
for b in 0 1 2 3 4 5; do
    [ "$(s3_curl HEAD "/marfs-pod0-block$b" -o /dev/null -w '%{http_code}' -I)" = 200 ] && n=$((n + 1))
done
tap_is "$n" 6 "all six buckets exist (plain HEAD)"
tap_is "$(s3_keys $b0)" "" "the writability probe left no key behind"
out=$(marfs-verifyconf --check-dirs "$cfg" 2>&1)
tap_is "$?" 0 "--check-dirs passes afterwards"

for sig in v2 v4; do
    s3cfg "$cfg" "$S3_ENDPOINT" $sig
    marfs-ne put "$cfg" s3demo "ok-$sig" < "$TAP_TMP/in" &&
        marfs-ne get "$cfg" s3demo "ok-$sig" | cmp -s - "$TAP_TMP/in"
    tap_ok $? "$sig: put and get exact once the buckets exist"
done

s3cfg "$cfg" "$S3_ENDPOINT" v2
out=$(AWS_SECRET_ACCESS_KEY=wrong marfs-ne put "$cfg" s3demo bad < "$TAP_TMP/in" 2>&1)
rc=$?
grep -qF "at http://$S3_ENDPOINT failed: HTTP 403 SignatureDoesNotMatch" <<<"$out" &&
grep -qF "(authentication failed: check the access key and secret" <<<"$out" &&
grep -qF "in bucket 'marfs-pod0-block" <<<"$out"
tap_ok $? "v2, wrong secret: SignatureDoesNotMatch, authentication failed, bucket and endpoint named"
tap_is "$rc" 1 "v2, wrong secret: put exits 1"
s3cfg "$cfg" "$S3_ENDPOINT" v4
out=$(AWS_ACCESS_KEY_ID=NOSUCHKEY marfs-ne put "$cfg" s3demo bad < "$TAP_TMP/in" 2>&1)
rc=$?
grep -qF "at http://$S3_ENDPOINT failed: HTTP 403 InvalidAccessKeyId" <<<"$out" &&
grep -qF "(authentication failed: check the access key and secret" <<<"$out"
tap_ok $? "v4, unknown key id: InvalidAccessKeyId, authentication failed"
tap_is "$rc:$(s3_keys $b0 | grep -c bad)" "1:0" "no block of the refused writes exists"

port=$(_s3rver_free_port)
for sig in v2 v4; do
    s3cfg "$cfg" "127.0.0.1:$port" $sig
    t0=$(date +%s)
    out=$(marfs-ne put "$cfg" s3demo obj < "$TAP_TMP/in" 2>&1)
    rc=$?
    dt=$(($(date +%s) - t0))
    grep -qF "at http://127.0.0.1:$port failed:" <<<"$out" &&
    grep -qF "(is the S3 service running and the endpoint right?)" <<<"$out"
    tap_ok $? "$sig: unreachable port: 'is the S3 service running' with the endpoint (exit $rc, ${dt}s)"
    [ $? -eq 0 ] || tap_diag "$out"
done

cred=$TAP_TMP/cred
printf '[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' > "$cred"
chmod 644 "$cred"
s3cfg "$cfg" "$S3_ENDPOINT" v4 "<credentials>$cred</credentials>"
out=$(marfs-ne put "$cfg" s3demo obj < "$TAP_TMP/in" 2>&1)
rc=$?
grep -qF "credentials file $cred is readable or writable by everyone (mode 0644); refusing it: chmod 600 $cred" <<<"$out"
tap_ok $? "world-readable credentials file: refused, named, mode shown (exit $rc)"
chmod 640 "$cred"
out=$(marfs-ne put "$cfg" s3demo obj < "$TAP_TMP/in" 2>&1)
grep -qF "is readable or writable by its group (mode 0640)" <<<"$out"
tap_ok $? "group-readable credentials file: refused"
chmod 600 "$cred"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY marfs-ne put "$cfg" s3demo cred < "$TAP_TMP/in" &&
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY marfs-ne get "$cfg" s3demo cred | cmp -s - "$TAP_TMP/in"
tap_ok $? "a 0600 credentials file works without the environment"
out=$(env -u AWS_ACCESS_KEY_ID marfs-ne put "$TAP_TMP/c2.xml" s3demo x 2>&1 < /dev/null;
      s3cfg "$TAP_TMP/c2.xml" "$S3_ENDPOINT" v4;
      env -u AWS_ACCESS_KEY_ID marfs-ne put "$TAP_TMP/c2.xml" s3demo x 2>&1 < /dev/null)
grep -qF "no S3 credentials: give <credentials> (a file of mode 0600) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" <<<"$out"
tap_ok $? "no credentials at all: says where they may come from"

# TLS: a self-signed server fails verification; naming its certificate
# in <ca_file> makes it work.
s3rver_stop
s3rver_start tls
s3cfg "$cfg" "$S3_ENDPOINT" v4 "" https
marfs-verifyconf --check-dirs --fix "$cfg" >/dev/null 2>&1
tap_is "$?" 1 "TLS with an unknown CA: verifyconf fails"
out=$(marfs-ne put "$cfg" s3demo obj < "$TAP_TMP/in" 2>&1)
grep -qF "at https://$S3_ENDPOINT failed: " <<<"$out" &&
grep -qF "(check scheme, the server certificate and <ca_file>)" <<<"$out"
tap_ok $? "TLS with an unknown CA: a TLS error naming the endpoint"
s3cfg "$cfg" "$S3_ENDPOINT" v4 "<ca_file>$S3_CERT</ca_file>" https
marfs-verifyconf --check-dirs --fix "$cfg" >/dev/null 2>&1 &&
    marfs-ne put "$cfg" s3demo tls < "$TAP_TMP/in" &&
    marfs-ne get "$cfg" s3demo tls | cmp -s - "$TAP_TMP/in"
tap_ok $? "TLS with <ca_file> naming the server's certificate: buckets, put, get exact"
tap_done
