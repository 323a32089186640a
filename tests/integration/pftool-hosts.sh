#!/usr/bin/env bash
# pftool-hosts.sh - pfcp, pfcm and pfls as one job over three hosts, so
# nothing in pftool may assume that all ranks share a host (hostnames,
# node-local temporary files, rank-local state).  The hosts are network
# namespaces mfs-h1..3 on a bridge in 198.18.0.0/24 (the benchmarking
# range, never a real network), each with its own hostname (UTS
# namespace); mpirun reaches them through an rsh agent that enters the
# namespace, and Open MPI talks TCP between them.  The file system is the
# one kernel's, as a cluster's shared file system would be.  The front-
# ends' --hostfile path is the one exercised.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/nasty-tree.sh"
pf_setup

tag=$(printf '%04x' $((RANDOM)))
br=mfb$tag
if ! ip link add "$br" type bridge 2>"$TAP_TMP/ip.err"; then
    echo "1..0 # SKIP cannot create a bridge here: $(head -1 "$TAP_TMP/ip.err")"
    exit 0
fi
tap_on_exit ip link del "$br"
tap_plan 17

ip addr add 198.18.0.1/24 dev "$br" && ip link set "$br" up
hosts=(h1 h2 h3)
setup_ok=0
for i in 1 2 3; do
    ns=mfs-h$i-$tag
    ip netns add "$ns" || setup_ok=1
    tap_on_exit ip netns del "$ns"
    ip link add "mfv$i$tag" type veth peer name eth0 netns "$ns" || setup_ok=1
    ip link set "mfv$i$tag" master "$br" up || setup_ok=1
    ip -n "$ns" addr add "198.18.0.1$i/24" dev eth0 || setup_ok=1
    ip -n "$ns" link set eth0 up && ip -n "$ns" link set lo up || setup_ok=1
done
tap_is "$setup_ok" 0 "three hosts on a bridge in 198.18.0.0/24"

# The rsh agent: "agent HOST COMMAND..." runs COMMAND on HOST.
agent=$TAP_TMP/rsh-agent
cat >"$agent" <<EOF
#!/usr/bin/env bash
host=\$1
shift
exec ip netns exec "mfs-\$host-$tag" unshare --uts bash -c "hostname \$host; \$*"
EOF
chmod +x "$agent"
hostfile=$TAP_TMP/hosts
printf '%s slots=2\n' "${hosts[@]}" >"$hostfile"

export OMPI_MCA_plm_rsh_agent=$agent
export OMPI_MCA_oob_tcp_if_include=198.18.0.0/24
export OMPI_MCA_btl=self,tcp,vader
export OMPI_MCA_btl_tcp_if_include=198.18.0.0/24

# the ranks' hostnames on stdout; what mpirun says (a warning) apart
out=$(timeout 60 mpirun --allow-run-as-root --hostfile "$hostfile" -np 6 \
    hostname 2>"$TAP_TMP/hostname.err" | sort | uniq -c |
    awk '{print $2 "=" $1}' | tr '\n' ' ')
tap_is "$out" "h1=2 h2=2 h3=2 " "mpirun places two ranks on each host"
[ -s "$TAP_TMP/hostname.err" ] && tap_diag "mpirun said: $(head -c 2000 "$TAP_TMP/hostname.err")"

src=$TAP_TMP/src
nasty_tree "$src" 65536 2000
dst=$TAP_TMP/dst
timeout 300 pfcp --hostfile "$hostfile" -np 6 -R --chunk-size 64K \
    "$src" "$dst" >"$TAP_TMP/cp.out" 2>&1
rc=$?
tap_is "$rc" 0 "pfcp over three hosts (6 ranks) exits 0"
[ "$rc" -ne 0 ] && sed 's/^/# /' "$TAP_TMP/cp.out" | head -20
trees_same "$src" "$dst" "3 hosts"

timeout 300 pfcm --hostfile "$hostfile" -np 6 -R --contents "$src" "$dst" \
    >"$TAP_TMP/cm.out" 2>&1
tap_is "$?" 0 "pfcm --contents over three hosts finds the trees identical"
printf 'changed' | dd of="$dst/sizes/big-9x" bs=1 seek=70000 conv=notrunc 2>/dev/null
timeout 300 pfcm --hostfile "$hostfile" -np 6 -R --contents "$src" "$dst" \
    >"$TAP_TMP/cm2.out" 2>&1
tap_is "$?:$(grep -c 'sizes/big-9x' "$TAP_TMP/cm2.out")" "1:1" \
    "pfcm over three hosts finds the one changed chunk of a big file"

timeout 300 pfls --hostfile "$hostfile" -np 6 -R --json "$src" \
    >"$TAP_TMP/ls.json" 2>&1
want=$(find "$src" -mindepth 1 ! -type d -printf x | wc -c)
tap_is "$?:$(json_field "$TAP_TMP/ls.json" files_seen)" \
    "0:$(find "$src" -type f -printf x | wc -c)" "pfls over three hosts sees every file"
tap_ok "$([ "$want" -gt 0 ]; echo $?)" "the tree has entries to list ($want)"

# Into marfs: packed small files and N:1 chunks written from all hosts.
scratch=$TAP_TMP/marfs
mkdir -p "$scratch"
sed -e "s#/tmp/marfs-demo#$scratch#g" "$top_srcdir/config/demo.xml" \
    >"$scratch/marfs.xml"
export MARFS_CONFIG=$scratch/marfs.xml
marfs-verifyconf -d -f -q "$MARFS_CONFIG" >/dev/null 2>&1
top=$(sed -n 's#.*<mnt_top>\(.*\)</mnt_top>.*#\1#p' "$MARFS_CONFIG")
marfs mkdir -p "$top/proj/hosts" >/dev/null 2>&1
timeout 300 pfcp --hostfile "$hostfile" -np 6 -R "$src/sizes" "$src/sparse" \
    "$top/proj/hosts" >"$TAP_TMP/mcp.out" 2>&1
rc=$?
tap_is "$rc" 0 "pfcp POSIX -> marfs over three hosts exits 0"
[ "$rc" -ne 0 ] && sed 's/^/# /' "$TAP_TMP/mcp.out" | head -20
for d in sizes sparse; do
    timeout 300 pfcm --hostfile "$hostfile" -np 6 -R --checksum "$src/$d" \
        "$top/proj/hosts/$d" >"$TAP_TMP/mcm.out" 2>&1
    tap_is "$?" 0 "pfcm --checksum of $d/ against marfs over three hosts"
done
tap_done
