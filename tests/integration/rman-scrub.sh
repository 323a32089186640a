#!/usr/bin/env bash
# rman-scrub.sh - --scrub reads every block and checks every CRC: it finds
# every bit flipped in planted blocks (one per damaged block, the blocks
# named) and flags the objects for --rebuild; --rate holds within 20% of
# the requested MB/s over the run; a scrub killed half-way resumes from
# its position file, re-checking at most one object, and finishes without
# starting over; --progress prints rate and ETA.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rman.sh"
rman_setup
rman_site || { echo "Bail out! no site"; exit 1; }
tap_plan 12

src=$TAP_TMP/src
mkdir -p "$src"
marfs mkdir "$TOP/s"
for i in $(seq 1 12); do head -c $((150000 + i * 999)) /dev/urandom >"$src/c$i"; done
for i in $(seq 1 12); do marfs put "$src/c$i" "$TOP/s/c$i" || exit 1; done
objs=($(stored_objects))
total=$(find "$DATA" -type f ! -name '.*' | wc -l)
# block data = file size - 80 bytes of meta - 32 bytes of DAL footer
block_bytes=$(find "$DATA" -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1 - 112 } END { print s }')
tap_is "${#objs[@]}:$total" "36:216" "36 objects (12 files of 3 chunks), 216 blocks"

out=$(rman --scrub)
tap_is "$?:$(summary_field "$out" objects-scrubbed):$(summary_field "$out" bytes-scrubbed):$(summary_field "$out" crc-errors)" \
    "0:36:$block_bytes:0" "a clean scrub reads every block byte (exit 0, no CRC error)"

# one flipped bit in each of 9 blocks of 7 objects (at most 2 per object)
RANDOM=5
planted=()
for k in $(seq 0 6); do
    blocks=($(block_files "${objs[$((k * 5))]}"))
    n=$((1 + (k % 2)))
    for j in $(seq 1 "$n"); do
        b=${blocks[$((j * 2))]}
        size=$(($(stat -c %s "$b") - 112))
        flip_byte "$b" $((RANDOM % size))
        planted+=("${objs[$((k * 5))]} block-file $(basename "$(dirname "$(dirname "$(dirname "$b")")")")")
    done
done
out=$(rman --scrub)
tap_is "$?:$(summary_field "$out" crc-errors)" "1:${#planted[@]}" \
    "scrub finds all ${#planted[@]} flipped bits (one CRC error per block), exit 1"
found=$(grep -c 'damaged: block' <<<"$out")
tap_is "$found" 7 "the 7 damaged objects are named with their bad blocks"
tap_is "$(cut -d' ' -f2 "$META/ns@/damaged" | sort -u | wc -l)" 7 "and flagged for rebuild"
out=$(rman --rebuild)
tap_is "$?:$(summary_field "$out" objects-rebuilt):$(unclean_objects)" "0:7:" "--rebuild repairs them"
out=$(rman --scrub)
tap_is "$(summary_field "$out" crc-errors)" 0 "a scrub after the rebuild is clean"

# rate: about 2 s of reading at 1.5 MB/s (MB = 10^6 bytes); the time of a
# --dry-run (start, config, reference walk: no reading) is taken off
rate=1.5
t0=$(date +%s.%N)
rman --scrub --dry-run >/dev/null
t1=$(date +%s.%N)
out=$(rman --scrub --rate "$rate" --progress 2>"$TAP_TMP/progress")
t2=$(date +%s.%N)
got=$(awk -v b="$block_bytes" -v a="$t0" -v m="$t1" -v z="$t2" \
    'BEGIN { printf "%.2f", b / ((z - m) - (m - a)) / 1e6 }')
tap_ok "$(awk -v g="$got" -v r="$rate" 'BEGIN { exit !(g >= 0.8 * r && g <= 1.2 * r) }'; echo $?)" \
    "--rate $rate held: $got MB/s over the run (within 20%)"
tap_ok "$(grep -q 'MB/s, ETA [0-9]*m[0-9][0-9]s' "$TAP_TMP/progress"; echo $?)" "--progress prints rate and ETA"

# kill it half-way, resume
marfs-rman -c "$MARFS_CONFIG" --scrub --rate "$rate" >"$TAP_TMP/first" 2>&1 &
pid=$!
sleep 1.3
kill -9 "$pid"; wait "$pid" 2>/dev/null
done1=$(sed -n 's/^checked=\([0-9]*\) .*/\1/p' "$META/ns@/rman/scrub.pos")
tap_ok "$([ -n "$done1" ] && [ "$done1" -gt 5 ] && [ "$done1" -lt 30 ]; echo $?)" \
    "killed half-way: the position file says $done1 of 36 objects checked"
out=$(rman --scrub)
second=$(summary_field "$out" objects-scrubbed)
tap_ok "$([ "$second" -le $((36 - done1 + 1)) ]; echo $?)" \
    "the resumed scrub checked $second objects (<= the $((36 - done1)) left + 1)"
tap_is "$(grep -c "resuming after" <<<"$out"):$(sed -n 's/^scrub \/: pass complete: \([0-9]*\) object.*/\1/p' <<<"$out"):$([ -e "$META/ns@/rman/scrub.pos" ]; echo $?)" \
    "1:$((36 + second - (36 - done1))):1" "it says where it resumed, completes the pass, and removes the position"
tap_done
