#!/usr/bin/env bash
# rman-property.sh - gc under a seeded, repeatable random workload: per
# seed, a fresh repo gets creates (packed, chunked, N:1), unlinks,
# renames (also over existing files) and overwrites, interleaved with
# `marfs-rman --gc --age 0`, while pfcp copies a tree into the same
# namespace and a background loop runs gc for as long as pfcp runs (every
# other seed as a 2-rank MPI job: `mpirun -np 2 marfs-rman`).
# After every gc the objects of every complete file with a user name must
# still be stored; at the end (one more gc, nothing running) every live
# file reads back exact, the tree holds exactly the expected names, and
# the store holds exactly the objects the live tags name: nothing of a
# fully deleted pack or file remains.  Seeds: $RMAN_SEEDS (default 6).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rman.sh"
. "$top_srcdir/tests/lib/marfs-tree.sh"
rman_setup
tap_on_exit pf_kill_all
seeds=(${RMAN_SEEDS:-3 11 23 37 59 97})
OPS=${RMAN_OPS:-36}
tap_plan $((${#seeds[@]} * 5 + 1))

# deterministic bytes: distinct per (seed, name)
mkdata() { yes "seed $seed file $1 $RANDOM" | head -c "$2" >"$src/$1"; }

# the objects of every complete live file are stored (tags read first: a
# tag is complete only after its objects were published, so a listing
# made afterwards must show them even while pfcp writes)
objects_kept() {
    local live
    live=$(live_objects | grep -v '^INCOMPLETE')
    comm -23 <(printf '%s\n' "$live") <(stored_objects) | grep -v '^$'
}

pfsrc=$TAP_TMP/pfsrc
mkdir -p "$pfsrc/sub"
for i in $(seq 1 24); do head -c $((i * 333)) /dev/urandom >"$pfsrc/sub/p$i"; done
head -c 230000 /dev/urandom >"$pfsrc/bigN1"

seedno=0
for seed in "${seeds[@]}"; do
    seedno=$((seedno + 1))
    bgrun=(marfs-rman)
    [ $((seedno % 2)) -eq 0 ] && bgrun=(mpirun -np 2 marfs-rman)
    rm -rf "$TAP_TMP/site" "$TAP_TMP/src"
    rman_site || { echo "Bail out! no site"; exit 1; }
    src=$TAP_TMP/src
    mkdir -p "$src"
    marfs mkdir "$TOP/d"
    RANDOM=$seed
    declare -A want=()
    n=0 bad="" gcs=0
    pf_run pfcp -np 2 -R "$pfsrc" "$TOP/pf" >"$TAP_TMP/pf.out" 2>&1 &
    pf=$!
    # the gc loop's jobs start and end while pfcp's runs: a session
    # directory base of their own (see rman_setup)
    (mkdir -p "$RMAN_SHM/ompi-bg"; export OMPI_MCA_orte_tmpdir_base=$RMAN_SHM/ompi-bg
     while kill -0 "$pf" 2>/dev/null; do
        "${bgrun[@]}" -c "$MARFS_CONFIG" --gc --age 0 --wait -q >>"$TAP_TMP/bg.out" 2>&1 ||
            echo "bg gc failed" >>"$TAP_TMP/bg.err"
        echo run >>"$TAP_TMP/bg.count"
    done) &
    bg=$!
    for op in $(seq 1 "$OPS"); do
        r=$((RANDOM % 100))
        names=("${!want[@]}")
        pick=""
        [ "${#names[@]}" -gt 0 ] && pick=${names[$((RANDOM % ${#names[@]}))]}
        if [ "$r" -lt 24 ] || [ -z "$pick" ]; then
            args=()
            for _ in $(seq 1 $((2 + RANDOM % 5))); do
                n=$((n + 1)); mkdata "f$n" $((100 + RANDOM % 5000))
                args+=("$src/f$n:$TOP/d/f$n"); want[f$n]=$src/f$n
            done
            rman_ops pack "${args[@]}" || bad="$bad pack@$op"
        elif [ "$r" -lt 34 ]; then
            n=$((n + 1)); mkdata "f$n" $((70000 + RANDOM % 130000))
            marfs put "$src/f$n" "$TOP/d/f$n" || bad="$bad chunked@$op"
            want[f$n]=$src/f$n
        elif [ "$r" -lt 42 ]; then
            n=$((n + 1)); mkdata "f$n" $((70000 + RANDOM % 130000))
            rman_ops nto1 "$src/f$n" "$TOP/d/f$n" || bad="$bad nto1@$op"
            want[f$n]=$src/f$n
        elif [ "$r" -lt 58 ]; then
            marfs rm "$TOP/d/$pick" || bad="$bad rm@$op"
            unset "want[$pick]"
        elif [ "$r" -lt 70 ]; then
            # rename, half the time over another live file
            to=""
            [ $((RANDOM % 2)) -eq 0 ] && to=${names[$((RANDOM % ${#names[@]}))]}
            [ -z "$to" ] || [ "$to" = "$pick" ] && { n=$((n + 1)); to=r$n; }
            rman_ops mv "$TOP/d/$pick" "$TOP/d/$to" || bad="$bad mv@$op"
            want[$to]=${want[$pick]}
            unset "want[$pick]"
        elif [ "$r" -lt 82 ]; then
            n=$((n + 1)); mkdata "f$n" $((100 + RANDOM % 90000))
            marfs put "$src/f$n" "$TOP/d/$pick" || bad="$bad overwrite@$op"
            want[$pick]=$src/f$n
        else
            rman --gc --age 0 --wait -q || bad="$bad gc@$op"
            gcs=$((gcs + 1))
            lost=$(objects_kept)
            [ -z "$lost" ] || bad="$bad lost-objects@$op[$lost]"
        fi
    done
    wait "$pf"
    pfrc=$?; [ "$pfrc" = 0 ] || sed "s/^/# pf: /" "$TAP_TMP/pf.out"
    wait "$bg"
    bgn=$(wc -l <"$TAP_TMP/bg.count")
    tap_is "$pfrc:$([ -s "$TAP_TMP/bg.err" ]; echo $?):$([ "$bgn" -ge 1 ]; echo $?):$bad" "0:1:0:" \
        "seed $seed: $OPS operations ($gcs gc runs) and a pfcp copy under $bgn gc runs succeed"
    rm -f "$TAP_TMP/bg.err" "$TAP_TMP/bg.count"
    rman --gc --age 0 -q
    tap_is "$?:$(objects_kept)" "0:" "seed $seed: every complete file's objects were kept through every gc"
    pairs=()
    for f in "${!want[@]}"; do pairs+=("${want[$f]}:$TOP/d/$f"); done
    for f in $(cd "$pfsrc" && find . -type f | sed 's#^\./##'); do pairs+=("$pfsrc/$f:$TOP/pf/$f"); done
    out=$(rman_ops cmp "${pairs[@]}")
    tap_is "$?:$out" "0:" "seed $seed: every live file (${#pairs[@]}) reads back exact"
    tap_is "$(cd "$META/ns@/tree" && find . -type f | sed 's#^\./##' | sort)" \
        "$( (for f in "${!want[@]}"; do echo "d/$f"; done
            cd "$pfsrc" && find . -type f | sed 's#^\./#pf/#') | sort)" \
        "seed $seed: the tree holds exactly the expected files"
    tap_is "$(stored_objects)" "$(live_objects)" \
        "seed $seed: the store holds exactly the live files' objects (no dead pack or file left)"
    unset want
done
out=$(mpirun -np 2 marfs-rman -c "$MARFS_CONFIG" --scrub 2>&1)
tap_is "$?:$(summary_field "$out" objects-scrubbed):$(summary_field "$out" crc-errors)" \
    "0:$(stored_objects | wc -l):0" "a 2-rank scrub of the last repo checks every object once"
tap_done
