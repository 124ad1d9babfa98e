#!/usr/bin/env bash
# facegraph index benchmark: build time, size, recall@10, q/s and latency over
# a sweep of openface.ef_search against the exact scan, filtered kNN at 1% and
# 10% selectivity, radius search, churn -- and pgvector's HNSW side by side on
# the same server, data and queries whenever `CREATE EXTENSION vector` works
# there.  Deterministic data from bench/index_data.c.
#
#   bench/index_bench.sh [N_VECTORS] [N_QUERIES]        (defaults 100000 1000)
#
# DATA=realfaces (default): shaped like real face descriptors (gen/realfaces.h,
# fitted to LFW); DATA=facelike: the easy isotropic clusters of gen/facelike.h.
# BUILD_THREADS (default 2) threads build each index: openface.build_threads
# for facegraph, the leader plus max_parallel_maintenance_workers for pgvector.
# pgvector's HNSW runs at each of PGV_OPTS (default its defaults, m 16 /
# ef_construction 64, and facegraph's, m 24 / 100); PGVECTOR=0 skips it.
#
# Uses the server from the usual libpq variables (PGHOST, PGPORT, PGUSER); the
# openface extension must be installed there.  Creates and drops the database
# openface_index_bench.  Latencies are measured in the server (PL/pgSQL
# clock_timestamp around each query); q/s also with pgbench, one client,
# prepared statements, which includes the client round trip.
set -euo pipefail
N=${1:-100000}
NQ=${2:-1000}
DATA=${DATA:-realfaces}
EFS=${EFS:-"10 20 40 64 128 160 320"}   # 128: openface.ef_search's default
OPTS=${OPTS:-}                   # e.g. OPTS="m = 24, ef_construction = 100"
BUILD_THREADS=${BUILD_THREADS:-2}
PGV_OPTS=${PGV_OPTS:-"m = 16, ef_construction = 64;m = 24, ef_construction = 100"}
# radius search: the same-person distance of unit descriptors (README), or
# facelike's identity spread
if [ "$DATA" = facelike ]; then RADIUS=${RADIUS:-0.6}; else RADIUS=${RADIUS:-0.43}; fi
DB=openface_index_bench
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

. "$here/index_rows.sh"
index_rows "$N" "$NQ" "$DATA" $DB
P="psql -X -q -v ON_ERROR_STOP=1 -d $DB"
# pgvector, when installed: a table of the same rows per configuration
# (items_v1, items_v2, ...), so every index exists at once and each query
# has exactly one to use
PGV=
NPGV=0
IFS=';' read -ra pgv_opts <<< "$PGV_OPTS"
if [ "${PGVECTOR:-1}" != 0 ] && $P -c "CREATE EXTENSION vector" >/dev/null 2>&1; then
  PGV=$($P -At -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'")
  NPGV=${#pgv_opts[@]}
  $P -c "ALTER TABLE queries ADD COLUMN v vector(128)" -c "UPDATE queries SET v = e::real[]::vector" \
     -c "VACUUM ANALYZE queries"
  for i in $(seq 1 $NPGV); do
    $P <<SQL
CREATE TABLE items_v$i (id int PRIMARY KEY, pid int, v vector(128));
INSERT INTO items_v$i SELECT id, pid, e::real[]::vector FROM items;
-- the leader builds too
ALTER TABLE items_v$i SET (parallel_workers = $((BUILD_THREADS - 1)));
VACUUM ANALYZE items_v$i;
SQL
  done
fi

echo "== data: $DATA, $N vectors of $($P -At -c "SELECT count(DISTINCT pid) FROM items") identities, $NQ queries (new photos of stored identities)"
$P -At <<'SQL'
SELECT format('same-identity distance p5/p50/p95: %s / %s / %s',
  round(percentile_cont(0.05) WITHIN GROUP (ORDER BY d)::numeric, 2),
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY d)::numeric, 2),
  round(percentile_cont(0.95) WITHIN GROUP (ORDER BY d)::numeric, 2))
FROM (SELECT a.e <-> b.e d FROM items a JOIN items b ON a.pid = b.pid AND a.id < b.id WHERE a.id <= 4000) s;
SELECT format('different-identity distance p5/p50/p95: %s / %s / %s',
  round(percentile_cont(0.05) WITHIN GROUP (ORDER BY d)::numeric, 2),
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY d)::numeric, 2),
  round(percentile_cont(0.95) WITHIN GROUP (ORDER BY d)::numeric, 2))
FROM (SELECT a.e <-> b.e d FROM items a JOIN items b ON a.pid <> b.pid WHERE a.id <= 200 AND b.id % 97 = 0) s;
SQL

# Run the query set; keeps per-query latency and ids.  mode: knn / f10 / f1 /
# radius on facegraph's table, vN (kNN on items_vN) and vf10 / vf1 (filters on
# items_v1) on pgvector's.  Static SQL in every branch, so each is planned
# once as a facegraph query is.
vbranches=
for i in $(seq 1 $NPGV); do
  vbranches+="    ELSIF mode = 'v$i' THEN
      SELECT array_agg(id) INTO r FROM (SELECT id FROM items_v$i ORDER BY v <-> q.v LIMIT 10) s;
"
done
$P <<SQL
CREATE TABLE runs (label text, qid int, ms float8, ids int[]);
CREATE FUNCTION run(label text, mode text, nq int) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE q record; t0 timestamptz; r int[];
BEGIN
  FOR q IN SELECT * FROM queries WHERE qid <= nq ORDER BY qid LOOP
    t0 := clock_timestamp();
    IF mode = 'knn' THEN
      SELECT array_agg(id) INTO r FROM (SELECT id FROM items ORDER BY e <-> q.e LIMIT 10) s;
    ELSIF mode = 'f10' THEN
      SELECT array_agg(id) INTO r FROM (SELECT id FROM items WHERE pid % 10 = 3 ORDER BY e <-> q.e LIMIT 10) s;
    ELSIF mode = 'f1' THEN
      SELECT array_agg(id) INTO r FROM (SELECT id FROM items WHERE pid % 100 = 7 ORDER BY e <-> q.e LIMIT 10) s;
    ELSIF mode = 'radius' THEN
      SELECT array_agg(id) INTO r FROM items WHERE e <@ face_sphere(q.e, $RADIUS);
$vbranches    ELSIF mode = 'vf10' THEN
      SELECT array_agg(id) INTO r FROM (SELECT id FROM items_v1 WHERE pid % 10 = 3 ORDER BY v <-> q.v LIMIT 10) s;
    ELSE
      SELECT array_agg(id) INTO r FROM (SELECT id FROM items_v1 WHERE pid % 100 = 7 ORDER BY v <-> q.v LIMIT 10) s;
    END IF;
    INSERT INTO runs VALUES (label, q.qid, extract(epoch FROM clock_timestamp() - t0) * 1000, coalesce(r, '{}'));
  END LOOP;
END \$\$;
-- recall of run label against run truth (ties at the k-th distance count as hits)
CREATE FUNCTION recall(label text, truth text) RETURNS numeric LANGUAGE sql AS \$\$
  WITH t AS (SELECT qid, ids FROM runs WHERE runs.label = truth),
       kth AS (SELECT t.qid, max(i.e <-> q.e) d, sum(1) n FROM t, unnest(t.ids) x JOIN items i ON i.id = x
               JOIN queries q ON true WHERE q.qid = t.qid GROUP BY t.qid),
       got AS (SELECT r.qid, count(*) FILTER (WHERE (i.e <-> q.e) <= kth.d) h
               FROM runs r JOIN kth USING (qid) JOIN queries q USING (qid) CROSS JOIN unnest(r.ids) x
               JOIN items i ON i.id = x WHERE r.label = \$1 GROUP BY r.qid)
  SELECT round(coalesce(sum(h), 0) / sum(n), 4) FROM kth LEFT JOIN got USING (qid)
\$\$;
CREATE FUNCTION stats(label text) RETURNS text LANGUAGE sql AS \$\$
  SELECT format('%6s q/s  p50 %6s ms  p99 %6s ms',
    round(count(*) / (sum(ms) / 1000))::text,
    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3),
    round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 3))
  FROM runs WHERE runs.label = \$1
\$\$;
-- shared buffers a kNN query touches (index and heap), averaged over nq
-- queries: a cost that the machine's load does not blur
CREATE FUNCTION buffers(tbl text, col text, nq int) RETURNS numeric LANGUAGE plpgsql AS \$\$
DECLARE q record; j json; total numeric := 0;
BEGIN
  FOR q IN SELECT qid FROM queries WHERE qid <= nq LOOP
    EXECUTE format('EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id FROM %I ORDER BY %I <-> '
                   '(SELECT %I FROM queries WHERE qid = %s) LIMIT 10', tbl, col, col, q.qid) INTO j;
    total := total + (j->0->'Plan'->>'Shared Hit Blocks')::numeric + (j->0->'Plan'->>'Shared Read Blocks')::numeric;
  END LOOP;
  RETURN round(total / nq);
END \$\$;
SQL

NEX=$(( NQ < 200 ? NQ : 200 ))
echo "== exact scan (sequential, $NEX queries for speed; truth for all $NQ)"
$P <<SQL
SET enable_indexscan = off; SET enable_bitmapscan = off;
SET max_parallel_workers_per_gather = 0;
\o /dev/null
SELECT run('exact', 'knn', $NQ);
SELECT run('exact_f10', 'f10', $NEX);
SELECT run('exact_f1', 'f1', $NEX);
SELECT run('exact_radius', 'radius', $NEX);
\o
SQL
$P -At -c "SELECT 'exact knn:      ' || stats('exact')" \
       -c "SELECT 'exact f10:      ' || stats('exact_f10')" \
       -c "SELECT 'exact f1:       ' || stats('exact_f1')" \
       -c "SELECT 'exact radius:   ' || stats('exact_radius')"

cat > "$tmp/knn.sql" <<SQL
\set q random(1, $NQ)
SELECT id FROM items ORDER BY e <-> (SELECT e FROM queries WHERE qid = :q) LIMIT 10;
SQL
for i in $(seq 1 $NPGV); do
  cat > "$tmp/v$i.sql" <<SQL
\set q random(1, $NQ)
SELECT id FROM items_v$i ORDER BY v <-> (SELECT v FROM queries WHERE qid = :q) LIMIT 10;
SQL
done
chmod 644 "$tmp"/*.sql

# build INDEX SQL: timed CREATE INDEX with BUILD_THREADS threads, then its size
build() {
  local t0 t1
  t0=$(date +%s.%N)
  $P -At <<SQL
SET maintenance_work_mem = '2GB';
SET openface.build_threads = $BUILD_THREADS;
SET max_parallel_maintenance_workers = $((BUILD_THREADS - 1));
$2;
SQL
  t1=$(date +%s.%N)
  $P -At -c "SELECT format('%-38s build %6s s with $BUILD_THREADS threads, index %6s MiB', '$3', round($t1 - $t0, 1),
    round(pg_relation_size('$1') / 1048576.0, 1))"
}

echo "== builds"
WITH=${OPTS:+WITH ($OPTS)}
build items_e "CREATE INDEX items_e ON items USING facegraph (e) $WITH" "facegraph ${OPTS:-(defaults)}"
$P -At -c "SELECT format('face_index_check rows: %s', count(*)) FROM face_index_check('items_e')"
names=("facegraph ${OPTS:-(defaults)}")
for i in $(seq 1 $NPGV); do
  o=${pgv_opts[$((i - 1))]}
  build items_v${i}_v "CREATE INDEX items_v${i}_v ON items_v$i USING hnsw (v vector_l2_ops) WITH ($o)" "pgvector $PGV hnsw ($o)"
  names+=("pgvector $PGV hnsw ($o)")
done
[ -n "$PGV" ] || echo "pgvector: skipped (PGVECTOR=0, or CREATE EXTENSION vector failed: not installed)"

# Every ef_search on every index in turn, so the load of this shared machine
# falls alike on all: recall@10, in-server q/s and latency, shared buffers
# touched per query, pgbench q/s (1 client, prepared, 5 s, random query).
echo "== kNN k=10 over ef_search (facegraph: openface.ef_search, pgvector: hnsw.ef_search)"
$P -c "CREATE TABLE sweep (idx int, ef int, line text, recall float8, qps float8)"
for ef in $EFS; do
  for i in $(seq 0 $NPGV); do
    if [ "$i" = 0 ]; then mode=knn guc=openface.ef_search f=knn.sql tbl=items col=e
    else mode=v$i guc=hnsw.ef_search f=v$i.sql tbl=items_v$i col=v; fi
    line=$($P -At <<SQL
SET $guc = $ef; SET enable_seqscan = off;
\o /dev/null
SELECT run('$mode-$ef', '$mode', $NQ);
\o
SELECT format('%4s  %6s  %s  %6s', $ef, recall('$mode-$ef', 'exact'), stats('$mode-$ef'), buffers('$tbl', '$col', $NEX));
SQL
)
    tps=$(PGOPTIONS="-c $guc=$ef -c enable_seqscan=off" pgbench -n -M prepared -c 1 -T 5 -f "$tmp/$f" $DB 2>/dev/null | awk '/^tps/ {print int($3)}')
    $P -c "INSERT INTO sweep VALUES ($i, $ef, '$line  |  $tps', (regexp_split_to_array(btrim('$line'), '\s+'))[2]::float8, NULLIF('$tps', '')::float8)"
  done
done
for i in $(seq 0 $NPGV); do
  echo "${names[$i]}"
  echo "  ef_search  recall@10  in-server q/s, p50, p99  buffers/query  |  pgbench q/s"
  $P -At -c "SELECT '  ' || line FROM sweep WHERE idx = $i ORDER BY ef"
done
# pgbench q/s at equal recall: each index's q/s at the target, interpolated
# linearly between the two widths whose recall brackets it.
$P -c "CREATE FUNCTION qps_at(i int, target float8) RETURNS float8 LANGUAGE sql AS \$\$
  SELECT CASE WHEN lo.recall IS NULL OR hi.recall = lo.recall THEN hi.qps
              ELSE lo.qps + (hi.qps - lo.qps) * (target - lo.recall) / (hi.recall - lo.recall) END
  FROM (SELECT recall, qps FROM sweep WHERE idx = i AND recall >= target ORDER BY recall LIMIT 1) hi
  LEFT JOIN (SELECT recall, qps FROM sweep WHERE idx = i AND recall < target ORDER BY recall DESC LIMIT 1) lo ON true
\$\$"
for i in $(seq 1 $NPGV); do
  echo "at equal recall@10, facegraph against ${names[$i]} (pgbench q/s):"
  $P -At -c "SELECT format('  %s: %s against %s q/s, %s', t,
                COALESCE(round(qps_at(0, t))::text, 'not reached'), COALESCE(round(qps_at($i, t))::text, 'not reached'),
                COALESCE(round((qps_at(0, t) / qps_at($i, t))::numeric, 1) || 'x', '-'))
             FROM unnest(ARRAY[0.95, 0.98, 0.99]::float8[]) t"
done

# (the setting exists once the library is loaded)
EF=$($P -At -c "SELECT l2_norm(e) FROM items LIMIT 1" -c "SHOW openface.ef_search" | tail -1)
echo "== filtered kNN (default ef_search $EF): 10% and 1% of rows match"
for strict in on off; do
  $P -At <<SQL
SET enable_seqscan = off; SET openface.strict_order = $strict;
\o /dev/null
SELECT run('f10$strict', 'f10', $NEX);
SELECT run('f1$strict', 'f1', $NEX);
\o
SELECT format('facegraph 10%%, strict_order $strict: recall@10 %s  full LIMIT in %s of %s queries  %s', recall('f10$strict', 'exact_f10'),
  (SELECT count(*) FROM runs WHERE label = 'f10$strict' AND cardinality(ids) = 10), $NEX, stats('f10$strict'));
SELECT format('facegraph  1%%, strict_order $strict: recall@10 %s  full LIMIT in %s of %s queries  %s', recall('f1$strict', 'exact_f1'),
  (SELECT count(*) FROM runs WHERE label = 'f1$strict' AND cardinality(ids) = 10), $NEX, stats('f1$strict'));
SQL
done
if [ "$NPGV" -gt 0 ]; then
  # items_v1 (PGV_OPTS' first), at the same search width
  for it in off strict_order relaxed_order; do
    $P -At <<SQL
SET hnsw.ef_search = $EF; SET enable_seqscan = off; SET hnsw.iterative_scan = $it;
\o /dev/null
SELECT run('vf10$it', 'vf10', $NEX);
SELECT run('vf1$it', 'vf1', $NEX);
\o
SELECT format('pgvector (${pgv_opts[0]}) 10%%, iterative_scan $it: recall@10 %s  full LIMIT in %s of %s queries  %s', recall('vf10$it', 'exact_f10'),
  (SELECT count(*) FROM runs WHERE label = 'vf10$it' AND cardinality(ids) = 10), $NEX, stats('vf10$it'));
SELECT format('pgvector (${pgv_opts[0]})  1%%, iterative_scan $it: recall@10 %s  full LIMIT in %s of %s queries  %s', recall('vf1$it', 'exact_f1'),
  (SELECT count(*) FROM runs WHERE label = 'vf1$it' AND cardinality(ids) = 10), $NEX, stats('vf1$it'));
SQL
  done
fi

echo "== radius search, r = $RADIUS (default ef_search)"
$P -At <<SQL
SET enable_seqscan = off;
\o /dev/null
SELECT run('radius', 'radius', $NEX);
\o
SELECT format('recall %s (%s of %s rows)  %s', round(a.n::numeric / b.n, 4), a.n, b.n, stats('radius'))
FROM (SELECT sum(cardinality(ids)) n FROM runs WHERE label = 'radius') a,
     (SELECT sum(cardinality(ids)) n FROM runs WHERE label = 'exact_radius') b;
SQL

echo "== churn: delete 10%, re-sample 10% (same identity), VACUUM; recall at the default ef_search"
$P -At <<SQL
\o /dev/null
SET enable_seqscan = off;
SELECT run('fresh', 'knn', $NEX);
INSERT INTO runs SELECT 'exact_first', qid, ms, ids FROM runs WHERE label = 'exact' AND qid <= $NEX;
RESET enable_seqscan;
SELECT setseed(0.5);
DELETE FROM items WHERE id % 10 = 1;
UPDATE items SET e = l2_normalize(ARRAY(SELECT x + 0.02 * (random() - 0.5) FROM unnest(e::real[]) x)::face_embedding)
 WHERE id % 10 = 2;
\o
SELECT format('index before VACUUM %s MiB', round(pg_relation_size('items_e') / 1048576.0, 1));
\timing on
VACUUM items;
\timing off
SELECT format('index after VACUUM %s MiB; face_index_check rows: %s',
  round(pg_relation_size('items_e') / 1048576.0, 1), (SELECT count(*) FROM face_index_check('items_e')));
SET enable_indexscan = off; SET enable_bitmapscan = off; SET max_parallel_workers_per_gather = 0;
\o /dev/null
SELECT run('exact_churn', 'knn', $NEX);
RESET enable_indexscan; RESET enable_bitmapscan;
SET enable_seqscan = off;
SELECT run('churn', 'knn', $NEX);
\o
SELECT format('after churn: recall@10 %s (fresh index, same %s queries: %s)  %s',
  recall('churn', 'exact_churn'), $NEX, recall('fresh', 'exact_first'), stats('churn'));
SQL

psql -X -q -d postgres -c "DROP DATABASE $DB"
