#!/usr/bin/env bash
# rman-gc.sh - marfs-rman --gc on packed, chunked and N:1 files: nothing
# goes inside the age window; --dry-run changes nothing; at age 0 exactly
# the objects no file with a user name uses are deleted (the store then
# holds what the live tags name, nothing more), with the bytes freed
# counted exactly; a pack with one live member stays and its dead members
# are expired; an incomplete file whose writer was killed is collected
# while one whose writer lives is not; a held run lock skips the
# namespace; usage errors exit 2; the cron example is quiet on success.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/rman.sh"
rman_setup
rman_site || { echo "Bail out! no site"; exit 1; }
tap_plan 31

src=$TAP_TMP/src
mkdir -p "$src"
for i in $(seq 1 10); do head -c $((i * 700)) /dev/urandom >"$src/s$i"; done
head -c 150000 /dev/urandom >"$src/chunked"
head -c 200000 /dev/urandom >"$src/nto1"
head -c 3000 /dev/urandom >"$src/keep"
marfs mkdir "$TOP/p" && marfs put "$src/keep" "$TOP/keep" &&
    rman_ops pack $(for i in $(seq 1 10); do printf '%s ' "$src/s$i:$TOP/p/s$i"; done) &&
    marfs put "$src/chunked" "$TOP/chunked" && rman_ops nto1 "$src/nto1" "$TOP/nto1"
tap_is "$?" 0 "packed (10 files, 2 objects), chunked (3 objects) and N:1 (4 chunks) files written"
tap_is "$(stored_objects | wc -l)" 10 "10 objects stored"

out=$(rman --gc)
tap_is "$?:$(summary_field "$out" objects-deleted):$(summary_field "$out" files-examined)" "0:0:13" \
    "gc with nothing deleted: exit 0, 13 files examined, nothing deleted"

marfs rm "$TOP/chunked" "$TOP/nto1" && for i in $(seq 1 10); do marfs rm "$TOP/p/s$i"; done
before=$(stored_objects)
out=$(rman --gc --age 1h)
tap_is "$?:$(summary_field "$out" objects-deleted):$(stored_objects | wc -l)" "0:0:10" \
    "deletions younger than --age 1h: nothing deleted"
out=$(rman --gc --age 0 --writer-grace 0 --dry-run)
tap_is "$?:$(summary_field "$out" objects-deleted):$(grep -c 'would delete object' <<<"$out")" "0:9:9" \
    "--dry-run --age 0 says 9 objects would go"
tap_is "$(stored_objects)" "$before" "--dry-run deleted nothing"
tap_is "$(ref_entries | wc -l)" 13 "--dry-run removed no reference (13 files)"

blocks_before=$(find "$DATA" -type f ! -name '.*' | wc -l)
bytes_before=$(find "$DATA" -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1 } END { print s }')
out=$(rman --gc --age 0 --writer-grace 0)
tap_is "$?:$(summary_field "$out" objects-deleted):$(summary_field "$out" refs-removed)" "0:9:12" \
    "--age 0: 9 objects deleted, 12 references removed"
tap_is "$(stored_objects)" "$(live_objects)" "the store holds exactly the objects of the live tags"
tap_is "$(ref_entries)" "$(find "$META"/ns@/tree -type f -printf '%i\n' | sort -u |
    while read -r i; do find "$META"/ns@/ref -inum "$i" -printf '%f\n'; done | sort)" \
    "the references left are exactly the live files'"
blocks_after=$(find "$DATA" -type f ! -name '.*' | wc -l)
bytes_after=$(find "$DATA" -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1 } END { print s }')
# a block file is its data plus 80 bytes of meta and a 32-byte DAL footer
tap_is "$(summary_field "$out" bytes-freed)" \
    "$((bytes_before - bytes_after - 112 * (blocks_before - blocks_after)))" \
    "bytes-freed is exactly the block data removed"
same_bytes "$TOP/keep" "$src/keep"
tap_ok $? "the live file reads back exact"
out=$(rman --gc --age 0 --writer-grace 0)
tap_is "$?:$(summary_field "$out" objects-deleted):$(summary_field "$out" refs-removed)" "0:0:0" \
    "a second gc finds nothing"

# ---- a pack with one live member ---------------------------------------------
rman_ops pack $(for i in $(seq 1 8); do printf '%s ' "$src/s$i:$TOP/p/t$i"; done)
for i in $(seq 1 7); do marfs rm "$TOP/p/t$i"; done
out=$(rman --gc --age 0 --writer-grace 0)
tap_is "$(summary_field "$out" objects-deleted):$(stored_objects | wc -l)" "0:2" \
    "a pack with one live member of 8 stays"
n=0
for r in $(find "$META"/ns@/ref -type f -links 1); do
    getfattr -n user.marfs.expired "$r" >/dev/null 2>&1 && n=$((n + 1))
done
tap_is "$n" 7 "its 7 deleted members are marked expired"
tap_is "$(rman --list-deleted -q | wc -l)" 0 "expired files are not offered for undelete"
same_bytes "$TOP/p/t8" "$src/s8"
tap_ok $? "the live member reads back exact"

# ---- incomplete files --------------------------------------------------------
head -c 100000 /dev/urandom >"$src/hang"
# The hook waits for the writer it kills: one still dying while the exit
# removes TAP_TMP can write into it and leave it behind.
tap_on_exit 'kill -9 $live_pid $dead; wait $live_pid'
coproc live { exec rman_ops hang "$src/hang" "$TOP/alive"; }
live_pid=$live_PID      # bash unsets live_PID once the coproc is reaped
read -r ready <&"${live[0]}"
rman_ops hang "$src/hang" "$TOP/dead" >"$TAP_TMP/dead.out" &
dead=$!
for _ in $(seq 50); do grep -q ready "$TAP_TMP/dead.out" && break; sleep 0.1; done
kill -9 "$dead"; wait "$dead" 2>/dev/null
tap_is "$ready:$(marfs stat "$TOP/dead" | grep 'state:')" "ready:  state: writing" \
    "two writers stopped mid-file; one is killed"
out=$(rman --gc --age 0 --writer-grace 0)
tap_is "$?:$(marfs ls "$TOP" | grep -c '^dead$'):$(marfs ls "$TOP" | grep -c '^alive$')" "0:0:1" \
    "gc removes the killed writer's file, not the live writer's"
tap_is "$(stored_objects | grep -c "$(marfs stat "$TOP/alive" | sed -n 's/.*stream: *//p' | head -c 30)")" 1 \
    "the live writer's published object stays"
kill "$live_pid" 2>/dev/null; wait "$live_pid" 2>/dev/null
out=$(rman --gc --age 0 --writer-grace 0)
tap_is "$(marfs ls "$TOP" | grep -c '^alive$'):$(stored_objects)" "0:$(live_objects)" \
    "once that writer is gone too, its file and objects go; the store = live tags"

# ---- a whole-file writer (marfs_creat_whole, as pftool) killed --------------
# 10 files, 8 per object: the first object's 8 files appear when it is
# published; the last 2 never do.  Only the stream's marker in ref/ (no
# user link, tag "writing") names the unpublished object for gc.
head -c 1000 /dev/urandom >"$src/w"
marfs mkdir "$TOP/w"
refs_before=$(ref_entries | wc -l)
rman_ops hang-whole "$src/w" $(for i in $(seq 0 9); do printf '%s ' "$TOP/w/f$i"; done) \
    >"$TAP_TMP/whole.out" &
wpid=$!
for _ in $(seq 50); do grep -q ready "$TAP_TMP/whole.out" && break; sleep 0.1; done
kill -9 "$wpid"; wait "$wpid" 2>/dev/null
markers=$(find "$META"/ns@/ref -type f -links 1 -exec getfattr --only-values -n user.marfs.tag {} + 2>/dev/null |
    grep -c 'st=writing')
tap_is "$(marfs ls "$TOP/w" | tr '\n' ' '):$markers:$(( $(ref_entries | wc -l) - refs_before ))" \
    "f0 f1 f2 f3 f4 f5 f6 f7 :1:9" \
    "a killed whole-file writer: its published files are there, its marker names the rest"
rman_ops cmp $(for i in $(seq 0 7); do printf '%s ' "$src/w:$TOP/w/f$i"; done)
tap_ok $? "those 8 files read back exact"
rman --gc --age 0 --writer-grace 0 -q
tap_is "$?:$(( $(ref_entries | wc -l) - refs_before )):$(stored_objects)" "0:8:$(live_objects)" \
    "gc removes the marker and the unpublished object; the store = live tags"

# ---- one pack stream across namespaces ----------------------------------------
head -c 999 /dev/urandom >"$src/x"
rman_ops pack "$src/x:$TOP/proj/x" "$src/x:$TOP/y" "$src/x:$TOP/proj/x2"
tap_is "$(tags_of "$META/ns@proj/tree" "$META/ns@/tree/y" | objects_of_tags | wc -l)" 3 \
    "a client's files in two namespaces go to separate objects (one per namespace run)"
marfs rm "$TOP/y"
rman --gc --age 0 --ns / -q
same_bytes "$TOP/proj/x" "$src/x" && same_bytes "$TOP/proj/x2" "$src/x"
tap_ok $? "gc of the root namespace leaves the other namespace's files whole"

# ---- lock, usage, cron --------------------------------------------------------
flock "$META/ns@/rman/lock" sleep 3 &
sleep 0.3
out=$(rman --gc --age 0 --writer-grace 0 --ns / 2>&1)
tap_is "$?:$(grep -c 'another marfs-rman is working on it' <<<"$out")" "1:1" \
    "a held run lock: the namespace is skipped, exit 1"
wait
rman --gc --bogus >/dev/null 2>&1
tap_is "$?" 2 "an unknown option exits 2"
out=$(rman --gc --ns /nope 2>&1)
tap_is "$?:$out" "2:marfs-rman: no namespace '/nope' in $MARFS_CONFIG" "an unknown namespace exits 2, named"
out=$(MARFS_RMAN=marfs-rman MARFS_RMAN_LOGDIR=$TAP_TMP/logs MARFS_RMAN_ARGS="--age 0" \
    bash "$top_srcdir/scripts/marfs-gc.cron" 2>&1)
tap_is "$?:$out:$(ls "$TAP_TMP/logs" | wc -l)" "0::1" "the cron script is quiet on success and leaves a log"
out=$(MARFS_CONFIG=$TAP_TMP/none.xml MARFS_RMAN=marfs-rman MARFS_RMAN_LOGDIR=$TAP_TMP/logs \
    bash "$top_srcdir/scripts/marfs-gc.cron" 2>&1)
tap_ok "$([ $? -ne 0 ] && grep -q 'marfs-gc' <<<"$out"; echo $?)" \
    "on errors it exits non-zero and says what failed"
tap_done
