#!/usr/bin/env bash
# facegraph builds past maintenance_work_mem, side by side in one run on the
# same rows: in memory (BIG, default 1GB), at MEM (default 64MB, the server's
# default) where the graph moves to a temporary file once its codes fill the
# memory, and at MEM with temp_file_limit = 0, where no file may be had and
# the rows past memory go through the insert path (the only way before the
# file).  Prints build time, its ratio to the in-memory build and recall@10
# at the default ef_search against the exact answer.
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

# build LABEL SETTINGS: timed CREATE INDEX, recall@10, DROP INDEX; prints seconds
build() {
  local t0 t1 recall
  t0=$(date +%s.%N)
  $P -c "SET client_min_messages = warning" -c "$2" -c "CREATE INDEX items_e ON items USING facegraph (e)"
  t1=$(date +%s.%N)
  recall=$($P <<'SQL'
SET enable_seqscan = off;
SELECT round(count(*) / (10.0 * (SELECT count(*) FROM queries)), 4)
FROM queries q, LATERAL (SELECT id FROM items ORDER BY e <-> q.e LIMIT 10) r
WHERE EXISTS (SELECT 1 FROM truth t WHERE t.qid = q.qid AND t.id = r.id);
SQL
)
  $P -c "DROP INDEX items_e"
  echo "$1|$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')|$recall" >> "$tmp/results"
}

echo "== $N realistic rows, $NQ queries, 2 build threads"
build "in memory ($BIG)" "SET maintenance_work_mem = '$BIG'"
build "$MEM, temporary file" "SET maintenance_work_mem = '$MEM'"
build "$MEM, temp_file_limit = 0: inserts" "SET maintenance_work_mem = '$MEM'; SET temp_file_limit = 0"
base=$(head -1 "$tmp/results" | cut -d'|' -f2)
printf '%-40s %9s %8s %10s\n' build seconds ratio recall@10
while IFS='|' read -r label secs recall; do
  printf '%-40s %9.1f %8.2f %10s\n' "$label" "$secs" "$(awk -v a="$secs" -v b="$base" 'BEGIN {print a / b}')" "$recall"
done < "$tmp/results"
psql -X -q -d postgres -c "DROP DATABASE $DB"
