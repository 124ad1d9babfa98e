#!/usr/bin/env bash
# The README's test command: build, install, then run every suite against a
# throwaway cluster that this script starts and stops itself:
#   checks of the built objects (test/build), C unit tests of src/core,
#   pg_regress (sql/ + expected/), pgTAP (test/pgtap, with pg_prove), the
#   Python client's tests (clients/python/tests), the
#   command line (test/cli, TAP from shell) and PostgreSQL TAP tests (test/t,
#   PostgreSQL::Test::Cluster).
# Prints one last line "N passed, N failed" and exits non-zero on any failure.
# Run as root (or with sudo): it installs packages and the extension, and runs
# the server as the unprivileged 'postgres' user.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

pgbin=$(pg_config --bindir)
pgxs=$(cd "$(dirname "$(pg_config --pgxs)")/../.." && pwd)
port=${OPENFACE_TEST_PORT:-54329}
work=$(mktemp -d /tmp/openface-test.XXXXXX)
chmod 755 "$work"
passed=0
failed=0

log() { printf '\n=== %s\n' "$*"; }

stop_server() {
    if [ -f "$work/data/postmaster.pid" ]; then
        runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1
    fi
}
trap 'stop_server; rm -rf "$work"' EXIT

# Count TAP lines of one suite's output (top-level only); a suite that exits
# non-zero without reporting a failed test counts as one failure.
count_tap() {
    local out=$1 status=$2 ok notok
    ok=$(grep -cE '^ok ' "$out")
    notok=$(grep -cE '^not ok ' "$out")
    if [ "$status" -ne 0 ] && [ "$notok" -eq 0 ]; then
        notok=1
    fi
    passed=$((passed + ok))
    failed=$((failed + notok))
}

log "dependencies and build"
tools/install-deps.sh || exit 1
if ! { make -j2 WERROR=1 && make install WERROR=1 && make -j2 unit WERROR=1; } >"$work/build.log" 2>&1; then
    tail -40 "$work/build.log"
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

log "build checks (test/build)"
for t in test/build/*.sh; do
    out="$work/build_$(basename "$t").out"
    "$t" openface.so >"$out" 2>&1
    status=$?
    grep -E '^(not )?ok |^#' "$out" | sed "s|^|$(basename "$t"): |"
    count_tap "$out" "$status"
done

log "C unit tests"
for t in $(find build/unit -maxdepth 1 -type f -name 'test_*' ! -name '*.d' | sort); do
    out="$work/$(basename "$t").out"
    OPENFACE_MODEL_DIR=models "$t" >"$out" 2>&1
    status=$?
    grep -E '^(not )?ok ' "$out" | sed "s|^|$(basename "$t"): |"
    grep -E '^#' "$out" | head -20
    count_tap "$out" "$status"
done

log "starting a throwaway cluster on port $port"
chown postgres "$work"
# UTF-8 whatever the caller's locale: in a SQL_ASCII database drivers hand text over as bytes.
runuser -u postgres -- "$pgbin/initdb" -D "$work/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
    >"$work/initdb.log" 2>&1 \
    || { cat "$work/initdb.log"; echo "0 passed, $((failed + 1)) failed"; exit 1; }
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
    -o "-p $port -k $work -c listen_addresses='' -c max_parallel_workers_per_gather=2" start >/dev/null \
    || { cat "$work/server.log"; echo "0 passed, $((failed + 1)) failed"; exit 1; }
export PGHOST=$work PGPORT=$port PGUSER=postgres

log "pg_regress"
# The server reads fixture photos itself: give it a copy it can read.
cp -r test/fixtures "$work/fixtures"
chmod -R a+rX "$work/fixtures"
export OPENFACE_FIXTURES=$work/fixtures
mkdir -p "$work/regress"
regress_tests=$(make -s print-regress)
"$pgxs/src/test/regress/pg_regress" --bindir="$pgbin" --host="$work" --port="$port" --user=postgres \
    --inputdir=. --outputdir="$work/regress" --dbname=contrib_regression $regress_tests \
    >"$work/regress.out" 2>&1
status=$?
cat "$work/regress.out"
ok=$(grep -cE '^(test| ) +[a-z0-9_]+ +\.\.\. ok' "$work/regress.out")
bad=$(grep -cE '^(test| ) +[a-z0-9_]+ +\.\.\. FAILED' "$work/regress.out")
[ "$status" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
[ -f "$work/regress/regression.diffs" ] && head -200 "$work/regress/regression.diffs"
passed=$((passed + ok)); failed=$((failed + bad))

log "pgTAP (pg_prove)"
psql -q -d postgres -c "CREATE DATABASE openface_tap" >/dev/null
psql -q -d openface_tap -c "CREATE EXTENSION pgtap; CREATE EXTENSION openface" >/dev/null
pg_prove -v -d openface_tap test/pgtap/*.sql >"$work/pgtap.out" 2>&1
status=$?
grep -E '^(not )?ok |^#' "$work/pgtap.out" | grep -vE '^ok ' | head -50
grep -E '^Files=|^Result' "$work/pgtap.out"
count_tap "$work/pgtap.out" "$status"

log "Python client (clients/python: psycopg 3 and psycopg2)"
# Debian's interpreter: it sees the drivers install-deps.sh installed, where a
# pyenv or virtualenv python3 earlier on PATH would not.
/usr/bin/python3 clients/python/tests/tap.py >"$work/python.out" 2>&1
status=$?
grep -E '^(not )?ok |^#' "$work/python.out" | head -120
count_tap "$work/python.out" "$status"

log "command line (test/cli)"
# While the cluster runs, so the CLI's embeddings can be compared with SQL's.
for t in test/cli/*.sh; do
    out="$work/cli_$(basename "$t").out"
    OPENFACE_CLI=build/openface OPENFACE_MODEL_FILE=models/openface.ofm OPENFACE_TEST_DB=openface_tap \
        "$t" >"$out" 2>&1
    status=$?
    grep -E '^(not )?ok |^#' "$out" | sed "s|^|$(basename "$t"): |"
    count_tap "$out" "$status"
done
stop_server

log "PostgreSQL TAP tests (PostgreSQL::Test::Cluster)"
# The TAP framework runs initdb itself, which refuses root: run it as postgres
# from a copy of the tests it can read.
mkdir -p "$work/tap"
cp -r test/t "$work/tap/t"
cp -r test/fixtures "$work/tap/fixtures" 2>/dev/null
chown -R postgres "$work/tap"
(cd "$work/tap" && runuser -u postgres -- env PATH="$pgbin:$PATH" TESTDIR="$work/tap" \
    PG_REGRESS="$pgxs/src/test/regress/pg_regress" OPENFACE_FIXTURES="$work/tap/fixtures" \
    prove -v -I "$pgxs/src/test/perl" t/*.pl) >"$work/tap.out" 2>&1
status=$?
grep -E '^(not )?ok |^t/|^#' "$work/tap.out" | grep -vE '^ok ' | head -60
grep -E '^Files=|^Result' "$work/tap.out"
if [ "$status" -ne 0 ]; then
    for f in "$work"/tap/tmp_check/log/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -30 "$f"; }; done
fi
count_tap "$work/tap.out" "$status"

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
