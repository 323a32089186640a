# tests/lib/s3rver.sh - a private s3rver (the npm S3 server that
# scripts/install-deps puts in .deps/node) on 127.0.0.1 for one test.
#
# Source after tap.sh (or set up your own EXIT trap that calls
# s3rver_stop).  s3rver_start picks a free port, keeps the server's data
# in a fresh mktemp directory and waits until it answers; the server is
# stopped and the directory removed on exit, also on failure.  Exports
#   S3_PORT S3_ENDPOINT (127.0.0.1:PORT) S3_URL S3_DATA S3_PID
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY = s3rver's S3RVER/S3RVER
# s3rver_start tls: the same over TLS with a fresh self-signed
# certificate for 127.0.0.1 ($S3_CERT; S3_URL is https://...).
# Also: s3rver_pause / s3rver_resume (SIGSTOP/SIGCONT: a server that
# stops answering), s3rver_kill (gone), s3rver_crash (SIGKILL, even while
# paused: nothing it had received is finished) and s3rver_restart (same
# port and data), s3_curl METHOD PATH [curl args] (a plain SigV4 request with the
# curl tool, not through marfs), s3_keys BUCKET (the keys in a bucket).
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
S3RVER_BIN="$top_srcdir/.deps/node/node_modules/.bin/s3rver"
S3_PID=
S3_DATA=
S3_TLS_ARGS=()
S3_SCHEME=http

_s3rver_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

_s3rver_launch() {
    "$S3RVER_BIN" -d "$S3_DATA" -a 127.0.0.1 -p "$S3_PORT" --silent \
        "${S3_TLS_ARGS[@]}" >"$S3_DATA.log" 2>&1 &
    S3_PID=$!
    local i
    for ((i = 0; i < 200; i++)); do
        if curl -sk -o /dev/null "$S3_SCHEME://$S3_ENDPOINT/" 2>/dev/null; then
            return 0
        fi
        kill -0 "$S3_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

s3rver_start() {
    if [ ! -x "$S3RVER_BIN" ]; then
        echo "Bail out! s3rver is not installed ($S3RVER_BIN): run scripts/install-deps"
        exit 1
    fi
    S3_DATA=$(mktemp -d "${TMPDIR:-/tmp}/marfs-s3rver.XXXXXX")
    if [ "${1:-}" = tls ]; then
        S3_SCHEME=https
        S3_CERT=$S3_DATA.cert
        openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
            -addext subjectAltName=IP:127.0.0.1 -keyout "$S3_DATA.key" \
            -out "$S3_CERT" >/dev/null 2>&1 ||
            { echo "Bail out! openssl cannot make a test certificate"; exit 1; }
        S3_TLS_ARGS=(--key "$S3_DATA.key" --cert "$S3_CERT")
        export S3_CERT
    fi
    if declare -F tap_on_exit >/dev/null; then
        tap_on_exit s3rver_stop
    fi
    local try
    for try in 1 2 3; do
        S3_PORT=$(_s3rver_free_port)
        S3_ENDPOINT=127.0.0.1:$S3_PORT
        S3_URL=$S3_SCHEME://$S3_ENDPOINT
        export S3_PORT S3_ENDPOINT S3_URL S3_DATA
        _s3rver_launch && break
        s3rver_kill
        if [ "$try" -eq 3 ]; then
            echo "Bail out! s3rver did not start: $(tail -3 "$S3_DATA.log")"
            exit 1
        fi
    done
    export S3_PID
    export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
}

s3rver_kill() {
    if [ -n "$S3_PID" ]; then
        kill -CONT "$S3_PID" 2>/dev/null
        kill "$S3_PID" 2>/dev/null
        wait "$S3_PID" 2>/dev/null
        S3_PID=
    fi
    return 0
}

s3rver_pause() { kill -STOP "$S3_PID"; }
# Gone at once, mid-request, without finishing anything it had received.
s3rver_crash() {
    kill -KILL "$S3_PID" 2>/dev/null
    wait "$S3_PID" 2>/dev/null
    S3_PID=
}
s3rver_resume() { kill -CONT "$S3_PID"; }

s3rver_restart() {
    s3rver_kill
    _s3rver_launch
}

s3rver_stop() {
    s3rver_kill
    if [ -n "$S3_DATA" ]; then
        rm -rf "$S3_DATA" "$S3_DATA.log" "$S3_DATA.key" "$S3_DATA.cert"
        S3_DATA=
        S3_TLS_ARGS=()
        S3_SCHEME=http
        S3_CERT=
    fi
}

s3_curl() {
    local method=$1 path=$2
    shift 2
    curl -s ${S3_CERT:+--cacert "$S3_CERT"} --aws-sigv4 "aws:amz:us-east-1:s3" \
        --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
        -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
        -X "$method" "$S3_URL$path" "$@"
}

# Keys of a bucket, one a line, sorted (ListObjectsV2, first 1000).
s3_keys() {
    s3_curl GET "/$1?list-type=2" | grep -o '<Key>[^<]*</Key>' |
        sed -e 's#<Key>##' -e 's#</Key>##' | sort
}
