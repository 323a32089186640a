#!/usr/bin/env bash
# rman-quota.sh - --quota recounts a namespace's usage from its reference
# tree: after a random workload (packed and chunked creates, overwrites,
# renames over files, hard links, unlinks, a killed writer's incomplete
# file) and after the live counters were tampered with, the counters equal
# the true usage (files with a user name, bytes of the complete ones),
# counted here from the tree alone; --report prints them against the
# limits, as text and --json.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rman.sh"
rman_setup
rman_site || { echo "Bail out! no site"; exit 1; }
tap_plan 8

# true usage of a namespace from its tree: distinct inodes of regular
# files; bytes of those whose tag is complete
truth() {
    local tree=$META/$1/tree
    find "$tree" -type f -printf '%i %p\n' | sort -u -k1,1 |
        while read -r ino path; do
            getfattr --absolute-names --only-values -n user.marfs.tag "$path" 2>/dev/null |
                awk -v i="$ino" '{ st = 0; sz = 0
                    for (k = 1; k <= NF; k++) {
                        if ($k == "st=complete") st = 1
                        if ($k ~ /^size=/) sz = substr($k, 6) }
                    print i, st ? sz : 0 }'
        done | awk '{ n++; b += $2 } END { printf "files=%d bytes=%d\n", n, b }'
}

src=$TAP_TMP/src
mkdir -p "$src"
marfs mkdir "$TOP/q" "$TOP/proj/q"
RANDOM=17
n=0
for op in $(seq 1 60); do
    r=$((RANDOM % 10)) ns=$([ $((RANDOM % 2)) -eq 0 ] && echo "$TOP/q" || echo "$TOP/proj/q")
    n=$((n + 1))
    head -c $((RANDOM % 3 == 0 ? 70000 + RANDOM : 1 + RANDOM % 4000)) /dev/urandom >"$src/f$n"
    files=($(marfs ls "$ns" 2>/dev/null))
    pick=${files[$((RANDOM % (${#files[@]} + 1)))]:-}
    if [ "$r" -lt 4 ] || [ -z "$pick" ]; then
        rman_ops pack "$src/f$n:$ns/f$n" "$src/f$n:$ns/g$n"
    elif [ "$r" -lt 5 ]; then
        marfs put "$src/f$n" "$ns/$pick"                       # overwrite
    elif [ "$r" -lt 6 ]; then
        rman_ops mv "$ns/$pick" "$ns/${files[0]}"              # rename over
    elif [ "$r" -lt 7 ]; then
        ln "$META/ns@$( [ "$ns" = "$TOP/q" ] || echo proj)/tree/q/$pick" \
           "$META/ns@$( [ "$ns" = "$TOP/q" ] || echo proj)/tree/q/h$n"   # hard link
    else
        marfs rm "$ns/$pick"
    fi
done
head -c 100000 /dev/urandom >"$src/hang"
rman_ops hang "$src/hang" "$TOP/q/dead" >"$TAP_TMP/hang.out" &
pid=$!
for _ in $(seq 50); do grep -q ready "$TAP_TMP/hang.out" && break; sleep 0.1; done
kill -9 "$pid"; wait "$pid" 2>/dev/null

out=$(rman --quota)
tap_is "$?:$(summary_field "$out" usage-corrections)" 0:1 \
    "--quota after 60 random operations and a killed writer: exit 0, the root namespace corrected"
tap_is "$(cat "$META/ns@/usage")" "$(truth ns@)" "root namespace: counters equal the true usage"
tap_is "$(cat "$META/ns@proj/usage")" "$(truth ns@proj)" "/proj: counters equal the true usage"

printf 'files=999 bytes=5\n' >"$META/ns@/usage"
printf 'files=-3 bytes=123456789\n' >"$META/ns@proj/usage"
out=$(rman --quota)
tap_is "$?:$(summary_field "$out" usage-corrections)" "0:2" "tampered counters: 2 namespaces corrected"
tap_is "$(cat "$META/ns@/usage") $(cat "$META/ns@proj/usage")" "$(truth ns@) $(truth ns@proj)" \
    "both equal the true usage again"
out=$(rman --quota)
tap_is "$(summary_field "$out" usage-corrections)" 0 "a second recount finds nothing to correct"

proj=$(truth ns@proj)
pf=${proj#files=}; pf=${pf%% *}; pb=${proj##*bytes=}
out=$(rman --report --ns /proj)
tap_is "$(sed -n '2p' <<<"$out" | awk '{ print $1, $2, $3, $5, $6 }')" \
    "/proj $pf 1048576 $pb 10995116277760" "--report: usage against the limits (1M files, 10T bytes)"
out=$(rman --report --json -q)
tap_is "$(tr -d ' \n' <<<"$out" | grep -o '"path":"/proj","files":[0-9]*,"bytes":[0-9]*,"quota_files":1048576,"quota_bytes":10995116277760')" \
    "\"path\":\"/proj\",\"files\":$pf,\"bytes\":$pb,\"quota_files\":1048576,\"quota_bytes\":10995116277760" \
    "--report --json: the same numbers"
tap_done
