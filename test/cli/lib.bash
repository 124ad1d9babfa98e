# Shared by the test/cli/*.sh scripts (sourced, not run): TAP helpers.
n=0

ok() {  # ok CONDITION-STATUS NAME
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
is() {  # is GOT EXPECTED NAME
    [ "$1" = "$2" ]; ok $? "$3"
    [ "$1" = "$2" ] || printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
}
# run ARGS...: the CLI ($cli) with stdout in $tmp/out, stderr in $tmp/err, exit status in $rc
run() { "$cli" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
# The largest L2 distance between the embeddings (field 8) of two embed outputs, line by line.
max_distance() {
    paste "$1" "$2" | awk -F'\t' '{
        gsub(/[][]/, "", $8); gsub(/[][]/, "", $16)
        na = split($8, a, ","); nb = split($16, b, ",")
        if (na != 128 || nb != 128) { print "bad"; exit }
        s = 0; for (i = 1; i <= 128; i++) s += (a[i] - b[i])^2
        if (sqrt(s) > m) m = sqrt(s)
    } END { printf "%.6f\n", m }'
}
