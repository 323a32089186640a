# tests/lib/s3cfg.sh - marfs.xml files for tests of the S3 DAL, made from
# config/s3-local.xml (4+2, buckets marfs-pod0-block0..5).
#
# s3cfg FILE ENDPOINT SIGNATURE [EXTRA-DAL-XML [SCHEME]]: metadata under
# $TAP_TMP/meta, retries 1 unless EXTRA says otherwise (an element in
# EXTRA replaces the shipped one).
s3cfg() {
    local file=$1 ep=$2 sig=$3 extra=${4:-} scheme=${5:-http} tag drop=()
    case $extra in *'<retries>'*) ;; *) extra="<retries>1</retries>$extra" ;; esac
    # an element of EXTRA replaces the one of the shipped file
    for tag in connect_timeout low_speed_time timeout retries; do
        case $extra in *"<$tag>"*) drop+=(-e "/^ *<$tag>[0-9]*<\/$tag>\$/d") ;; esac
    done
    sed "${drop[@]}" -e "s#<endpoint>127.0.0.1:4568</endpoint>#<endpoint>$ep</endpoint>#" \
        -e "s#<signature>v4</signature>#<signature>$sig</signature>#" \
        -e "s#<scheme>http</scheme>#<scheme>$scheme</scheme>#" \
        -e "s#<ns_root>/tmp/marfs-s3/#<ns_root>$TAP_TMP/#" \
        -e "s#</DAL>#$extra</DAL>#" "$top_srcdir/config/s3-local.xml" > "$file"
    mkdir -p -m 700 "$TAP_TMP/meta"
}
