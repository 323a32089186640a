# shellcheck shell=bash
# tests/lib/marfs-tree.sh - helpers of the pftool marfs integration tests:
# a scratch marfs repo, and listings of a POSIX tree and of a marfs tree
# in one comparable format, made without pftool (find/stat on POSIX,
# `marfs stat` through the API on marfs).  Source after tests/lib/tap.sh
# and tests/lib/nasty-tree.sh.

# marfs_site NAME [SED-EXPR...]: a repo from config/demo.xml with its
# data and metadata under $TAP_TMP/NAME (SED-EXPRs edit the XML further,
# e.g. the chunk size); exports MARFS_CONFIG and MARFS_TOP (mnt_top).
marfs_site() {
    local dir=$TAP_TMP/$1 e
    shift
    local args=(-e "s#/tmp/marfs-demo#$dir#g")
    for e in "$@"; do args+=(-e "$e"); done
    mkdir -p "$dir" &&
        sed "${args[@]}" "$top_srcdir/config/demo.xml" >"$dir/marfs.xml" &&
        marfs-verifyconf -q --check-dirs --fix "$dir/marfs.xml" >/dev/null 2>&1 ||
        return 1
    export MARFS_CONFIG=$dir/marfs.xml
    MARFS_TOP=$(sed -n 's#.*<mnt_top>\(.*\)</mnt_top>.*#\1#p' "$MARFS_CONFIG")
    export MARFS_TOP
}

# One line per entry, sorted (LC_ALL=C):
#   NAME|TYPE|SIZE|LINKS|MODE|UID|GID|MTIME
# NAME: the path below the root ("" for the root), newlines shown as \n,
# symlinks as "NAME -> TARGET"; TYPE f, d or l; SIZE and LINKS "-" for
# directories; MODE octal without leading zeros (symlinks: 777); MTIME
# "YYYY-MM-DD HH:MM:SS.NNNNNNNNN" in UTC.  Special files are left out
# (marfs has none; the tests check them separately).

# posix_listing DIR
posix_listing() {
    (cd "$1" && TZ=UTC find . \( -type f -o -type d -o -type l \) -printf \
        '%P|%y|%s|%n|%m|%U|%G|%TY-%Tm-%Td %TH:%TM:%TS|%l\0') |
        tr '\n\0' '\001\n' |
        awk -F'|' -v OFS='|' '{     # no "|" in the test trees
            name = $1; type = $2; size = $3; links = $4; mode = $5
            uid = $6; gid = $7; mtime = $8
            sub(/[0-9]$/, "", mtime)            # find: 10 digits, stat: 9
            if (type == "l") name = name " -> " $9
            if (type == "d") { size = "-"; links = "-" }
            gsub(/\001/, "\\n", name)
            print name, type, size, links, mode, uid, gid, mtime
        }' | LC_ALL=C sort
}

# marfs_stat_parse ROOT: `marfs stat` output on stdin -> the listing
# format above plus |INODE|STATE (STATE: the tag's state, "-" if none).
marfs_stat_parse() {
    awk -v root="$1" -v OFS='|' '
        function flush() {
            if (name == "") return
            n = name
            if (n == root) n = ""
            else if (substr(n, 1, length(root) + 1) == root "/")
                n = substr(n, length(root) + 2)
            if (type == "d") { size = "-"; links = "-" }
            print n, type, size, links, mode, uid, gid, mtime, ino, state
            name = ""
        }
        /^File: / { flush(); name = substr($0, 7); inname = 1
                    state = "-"; next }
        inname && /^Type: / {
            inname = 0
            t = substr($0, 7)
            type = "?"
            if (t == "regular file") type = "f"
            if (t == "directory") type = "d"
            if (t == "symbolic link") type = "l"
            next }
        inname { name = name "\\n" $0; next }
        /^Size: / { size = $2; links = $6; ino = $8; next }
        /^Mode: / { mode = $2; sub(/^0+/, "", mode); if (mode == "") mode = "0"
                    uid = $5; gid = $8; next }
        /^Modify: / { mtime = $2 " " $3; next }
        /^  state: / { state = $2; next }
        END { flush() }'
}

# marfs_stat_tree SRC MROOT: `marfs stat` of every entry of the POSIX
# tree SRC (special files left out) under the marfs path MROOT, parsed;
# sorted.  Entries missing in marfs show up as missing lines.
marfs_stat_tree() {
    (cd "$1" && find . \( -type f -o -type d -o -type l \) -print0) |
        sed -z "s#^\.#$2#" |
        TZ=UTC xargs -0 marfs stat 2>/dev/null | marfs_stat_parse "$2" |
        LC_ALL=C sort
}

# marfs_listing SRC MROOT: the listing (no inode, no state) of the marfs
# copy of SRC at MROOT.
marfs_listing() {
    marfs_stat_tree "$1" "$2" | cut -d'|' -f1-8
}

# marfs_hardlinks SRC MROOT: groups of names sharing an inode in the
# marfs copy ("a b c" per line, like tree_hardlinks).
marfs_hardlinks() {
    marfs_stat_tree "$1" "$2" |
        awk -F'|' '$2 == "f" && $4 > 1 { print $9, $1 }' |
        LC_ALL=C sort -k1,1 -k2 |
        awk '{ if ($1 != last) { if (g) print g; g = $2 }
               else g = g " " $2; last = $1 }
             END { if (g) print g }' | LC_ALL=C sort
}

# marfs_states SRC MROOT: "COUNT STATE" of the regular files' tags.
marfs_states() {
    marfs_stat_tree "$1" "$2" | awk -F'|' '$2 == "f" { print $10 }' |
        sort | uniq -c | awk '{ print $1, $2 }'
}

# marfs_count MROOT: entries below MROOT as pfls counts them.
marfs_count() {
    pf_run pfls -np 2 -R -q "$1" 2>&1 | sed -n 's/^pfls: \([0-9]*\) entries.*/\1/p'
}

# marfs_temps MROOT: names of pftool temporaries / journals below MROOT.
marfs_temps() {
    pf_run pfls -np 2 -R "$1" 2>/dev/null | sed '$d' |
        grep -E '/\.[^/]*\.pf[tj]~$|/\.pft-[^/]*$' || true
}

# posix_special DIR: the special files below DIR (fifo, socket, device),
# sorted, one path per line as find prints them from DIR's parent.
posix_special() {
    find "$1" ! -type f ! -type d ! -type l | LC_ALL=C sort
}

# kill_tree PGID: SIGKILL a process group started with setsid and any
# mpirun ranks below it (ranks sit in process groups of their own).
kill_tree() {
    local pg=$1 m
    for m in $(pgrep -g "$pg" -x mpirun 2>/dev/null); do
        kill -9 $(pgrep -P "$m") 2>/dev/null
    done
    kill -9 -- -"$pg" 2>/dev/null
    return 0
}

# pf_run CMD [ARGS...]: run a front-end (pfcp, pfcm, ...) in a process
# group of its own and wait for it (so a TERM reaches the script's traps
# at once); its exit status.  pf_kill_all (for tap_on_exit) kills what
# is left of every group started so.
pf_run() {
    setsid "$@" &
    local pid=$!
    echo "$pid" >>"$TAP_TMP/pf-pgids"
    wait "$pid"
}

pf_kill_all() {
    local pg
    [ -f "$TAP_TMP/pf-pgids" ] || return 0
    while read -r pg; do kill_tree "$pg"; done <"$TAP_TMP/pf-pgids"
}
