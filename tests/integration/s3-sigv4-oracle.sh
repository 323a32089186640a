#!/usr/bin/env bash
# s3-sigv4-oracle.sh - the S3 DAL's SigV4 Authorization header equals
# botocore's (an independent signer and URI encoder) for the same
# requests at the same time: each request shape the DAL sends (object
# PUT/GET/HEAD/DELETE with awkward keys, ListObjectsV2 with a
# continuation token, the multipart calls, bucket HEAD, virtual-host
# addressing).  Also: s3rver does NOT check V4 signatures (a wrong V4
# secret is accepted), which is why this oracle, not the server, is what
# shows V4 signing right; it does reject a wrong V2 secret
# (s3-errors.sh).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/s3rver.sh"
tap_plan 10
sigp="$top_builddir/tests/helpers/s3-sigv4-print"
date=20250301T123456Z
ak=AKIDEXAMPLE
sk='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'

# oracle METHOD HOST PATH 'k=v&k2=v2' (raw values; botocore encodes)
oracle() {
    python3 - "$@" "$date" "$ak" "$sk" <<'PY'
import sys, datetime
import botocore.auth as A
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
method, host, path, query, date, ak, sk = sys.argv[1:8]
fixed = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ")
if hasattr(A, "get_current_datetime"):
    A.get_current_datetime = lambda *a, **k: fixed
else:
    class D(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed
    A.datetime.datetime = D
class Unsigned(A.S3SigV4Auth):
    def payload(self, request):
        return "UNSIGNED-PAYLOAD"
params = {}
for pair in filter(None, query.split("&")):
    k, _, v = pair.partition("=")
    params[k] = v
req = AWSRequest(method=method, url="https://%s%s" % (host, path),
                 params=params)
req.headers["host"] = host
Unsigned(Credentials(ak, sk), "s3", "us-east-1").add_auth(req)
print(req.headers["Authorization"])
PY
    [ $? -eq 0 ] || echo "botocore failed"
}

# ours METHOD HOST BUCKETPATH RAWKEY CANONICAL-QUERY
ours() {
    local key path
    key=$("$sigp" enc "$4" slash) || return 1
    path="$3${4:+/}$key"
    "$sigp" sign "$1" "$2" "$path" "$5" "$date" us-east-1 "$ak" "$sk" ||
        echo "s3-sigv4-print failed"
}
enc() { "$sigp" enc "$1"; }

h=127.0.0.1:4568
k1='p0/s1/a%2Fb%20c'          # the escaped name of "a/b c" under a prefix
tap_is "$(ours PUT $h /t-b3-c0 "$k1" '')" \
       "$(oracle PUT $h "/t-b3-c0/$(python3 -c 'import sys,urllib.parse as u;print(u.quote(sys.argv[1],safe="/~"))' "$k1")" '')" \
       "PUT of a key with '%', '/' and escapes"
k2='cap0/scat2/%C3%BC~x_y.z-w+v=u,t@s'
qk2=$(python3 -c 'import sys,urllib.parse as u;print(u.quote(sys.argv[1],safe="/~"))' "$k2")
tap_is "$(enc "$k2" | sed 's#%2F#/#g')" "$qk2" "our key encoding equals Python's quote(safe='/~')"
tap_is "$(ours GET $h /t-b0-c1 "$k2" '')" "$(oracle GET $h "/t-b0-c1/$qk2" '')" \
       "ranged GET (headers outside the signature)"
tap_is "$(ours HEAD $h /t-b0-c1 "$k2" '')" "$(oracle HEAD $h "/t-b0-c1/$qk2" '')" "HEAD"
tok='1/Ab+c=='
tap_is "$(ours GET $h /t-b0-c1 '' "continuation-token=$(enc "$tok")&list-type=2&prefix=$(enc p0/s1/)")" \
       "$(oracle GET $h /t-b0-c1 "list-type=2&prefix=p0/s1/&continuation-token=$tok")" \
       "ListObjectsV2 with prefix and continuation token"
tap_is "$(ours POST $h /b 'k/obj' 'uploads=')" "$(oracle POST $h /b/k/obj 'uploads=')" \
       "CreateMultipartUpload (?uploads)"
uid='2~Ab_c-d.e+f/g=='
tap_is "$(ours PUT $h /b 'k/obj' "partNumber=12&uploadId=$(enc "$uid")")" \
       "$(oracle PUT $h /b/k/obj "uploadId=$uid&partNumber=12")" "UploadPart"
tap_is "$(ours DELETE $h /b 'k/obj' "uploadId=$(enc "$uid")")" \
       "$(oracle DELETE $h /b/k/obj "uploadId=$uid")" "AbortMultipartUpload"
tap_is "$(ours HEAD s3.example.com:9000 '' 'x/y' '')" \
       "$(oracle HEAD s3.example.com:9000 /x/y '')" "virtual-host addressing, HEAD of the bucket path"

# s3rver takes a V4 request signed with a wrong secret (it checks only
# the key id), so V4 signing cannot be shown right against it.
s3rver_start
s3_curl PUT /probe-bucket -o /dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "S3RVER:wrong-secret" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    -X PUT --data-binary x "$S3_URL/probe-bucket/k")
tap_is "$code" 200 "s3rver accepts a V4 request with a wrong secret (so this oracle is the V4 check)"
tap_done
