#!/usr/bin/env bash
# facegraph builds past maintenance_work_mem, side by side in one run on the
# same rows: in memory (BIG, default 1GB), at MEM (default 64MB, the server's
# default) where the graph moves to a temporary file once its codes fill the
# memory, and at MEM with temp_file_limit = 0, where no file may be had and
# the rows past memory go through the insert path (the only way before the
# file).  Prints build time, its ratio to the in-memory build, recall@10
# at the default ef_search against the exact answer, and how fast the rows
# past memory went in each way (timed by the build's own messages), with
# the ratio of the two.
#
#   bench/build_memory.sh [N_VECTORS] [N_QUERIES]      (defaults 200000 300)
#
# Rows shaped like real descriptors (bench/index_data.c, gen/realfaces.h).
# Uses the server from PGHOST/PGPORT/PGUSER as a superuser (temp_file_limit);
# openface must be installed there.  Creates and drops the database
# openface_build_memory.
set -euo pipefail
N=${1:-200000}
NQ=${2:-300}
BIG=${BIG:-1GB}
MEM=${MEM:-64MB}
DB=openface_build_memory
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

. "$here/index_rows.sh"
index_rows "$N" "$NQ" realfaces $DB
P="psql -X -q -At -v ON_ERROR_STOP=1 -d $DB"
$P -c "CREATE TABLE truth AS
SELECT q.qid, t.id FROM queries q, LATERAL (SELECT id FROM items ORDER BY e <-> q.e LIMIT 10) t"

# stamp: each line of stdin after the time it arrived (the server sends its
# messages as it goes, so they time the build's phases)
stamp() {
  while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done
}

# past_rate LOG END: rows a second past memory, from the build's messages:
# linked into the file from its DEBUG line to the connect pass that follows
# the linking, or inserted from the NOTICE that the graph no longer fits to
# the end of CREATE INDEX (END); "-" when every row fitted
past_rate() {
  local at from to
  if at=$(grep -m1 'graph moved to a temporary file' "$1"); then
    to=$(grep -m1 'links added to reach isolated' "$1" | cut -d' ' -f1)
  elif at=$(grep -m1 'no longer fits into maintenance_work_mem' "$1"); then
    to=$2
  else
    echo -; return
  fi
  from=$(echo "$at" | cut -d' ' -f1)
  # the row count the message names: "after N" or "after N tuples"
  echo "$at" | sed 's/.* after \([0-9]*\).*/\1/' |
    awk -v n="$N" -v a="$from" -v b="$to" '{printf "%.0f", (n - $1) / (b - a)}'
}

# build LABEL SETTINGS: timed CREATE INDEX, recall@10, DROP INDEX; prints seconds
build() {
  local t0 t1 recall
  t0=$(date +%s.%N)
  $P -c "SET client_min_messages = debug1" -c "$2" \
     -c "CREATE INDEX items_e ON items USING facegraph (e)" 2>&1 >/dev/null | stamp > "$tmp/log"
  t1=$(date +%s.%N)
  recall=$($P <<'SQL'
SET enable_seqscan = off;
SELECT round(count(*) / (10.0 * (SELECT count(*) FROM queries)), 4)
FROM queries q, LATERAL (SELECT id FROM items ORDER BY e <-> q.e LIMIT 10) r
WHERE EXISTS (SELECT 1 FROM truth t WHERE t.qid = q.qid AND t.id = r.id);
SQL
)
  $P -c "DROP INDEX items_e"
  echo "$1|$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')|$recall|$(past_rate "$tmp/log" "$t1")" >> "$tmp/results"
}

echo "== $N realistic rows, $NQ queries, 2 build threads"
build "in memory ($BIG)" "SET maintenance_work_mem = '$BIG'"
build "$MEM, temporary file" "SET maintenance_work_mem = '$MEM'"
build "$MEM, temp_file_limit = 0: inserts" "SET maintenance_work_mem = '$MEM'; SET temp_file_limit = 0"
base=$(head -1 "$tmp/results" | cut -d'|' -f2)
printf '%-40s %9s %8s %10s %16s\n' build seconds ratio recall@10 "rows/s past mem"
while IFS='|' read -r label secs recall rate; do
  printf '%-40s %9.1f %8.2f %10s %16s\n' "$label" "$secs" "$(awk -v a="$secs" -v b="$base" 'BEGIN {print a / b}')" "$recall" "$rate"
done < "$tmp/results"
file=$(sed -n 2p "$tmp/results" | cut -d'|' -f4)
ins=$(sed -n 3p "$tmp/results" | cut -d'|' -f4)
if [ "$file" != - ] && [ "$ins" != - ]; then
  echo "rows past memory: linked into the file $(awk -v a="$file" -v b="$ins" 'BEGIN {printf "%.1f", a / b}')x as fast as inserted"
fi
psql -X -q -d postgres -c "DROP DATABASE $DB"
