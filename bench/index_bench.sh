#!/usr/bin/env bash
# facegraph index benchmark: build time, size, recall@10, q/s and latency at
# several openface.ef_search values against the exact scan, filtered kNN at
# 1% and 10% selectivity, and radius search.  Deterministic data from
# bench/index_data.c (face-like: 8 samples per identity).
#
#   bench/index_bench.sh [N_VECTORS] [N_QUERIES]        (defaults 100000 1000)
#
# Uses the server from the usual libpq variables (PGHOST, PGPORT, PGUSER); the
# openface extension must be installed there.  Creates and drops the database
# openface_index_bench.  Latencies are measured in the server (PL/pgSQL
# clock_timestamp around each query); q/s also with pgbench, one client,
# prepared statements, which includes the client round trip.
#
# PGVECTOR=1 also runs pgvector's HNSW (m 16, ef_construction 64) on the same
# data and queries, inside PGlite (WebAssembly, from npm, pinned versions), and
# prints its recall at the same ef_search values and under the same filters
# (iterative_scan off, strict_order, relaxed_order).
set -euo pipefail
N=${1:-100000}
NQ=${2:-1000}
EFS=${EFS:-"10 20 40 80 160"}
OPTS=${OPTS:-}                   # e.g. OPTS="m = 24, ef_construction = 100"
DB=openface_index_bench
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

cc -std=c11 -O2 -I"$here/../gen" -I"$here/../src/core" -o "$tmp/index_data" "$here/index_data.c" -lm
"$tmp/index_data" "$N" "$NQ" 1 "$tmp/items.tsv" "$tmp/queries.tsv"
chmod 644 "$tmp"/*.tsv

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
P="psql -X -q -v ON_ERROR_STOP=1 -d $DB"
$P <<SQL
CREATE EXTENSION openface;
CREATE TABLE items (id int PRIMARY KEY, pid int, e face_embedding);
CREATE TABLE queries (qid int PRIMARY KEY, pid int, e face_embedding);
\copy items FROM '$tmp/items.tsv'
\copy queries FROM '$tmp/queries.tsv'
VACUUM ANALYZE items;
VACUUM ANALYZE queries;
SQL

echo "== data: $N vectors ($((N / 8)) identities x 8), $NQ queries"
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

# Run the query set; returns per-query latency and ids.  mode: knn / f10 / f1 / radius.
$P <<'SQL'
CREATE TABLE runs (label text, qid int, ms float8, ids int[]);
CREATE FUNCTION run(label text, mode text, nq int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE q record; t0 timestamptz; r int[];
BEGIN
  FOR q IN SELECT qid, e FROM queries WHERE qid <= nq ORDER BY qid LOOP
    t0 := clock_timestamp();
    IF mode = 'knn' THEN
      SELECT array_agg(id) INTO r FROM (SELECT id FROM items ORDER BY e <-> q.e LIMIT 10) s;
    ELSIF mode = 'f10' THEN
      SELECT array_agg(id) INTO r FROM (SELECT id FROM items WHERE pid % 10 = 3 ORDER BY e <-> q.e LIMIT 10) s;
    ELSIF mode = 'f1' THEN
      SELECT array_agg(id) INTO r FROM (SELECT id FROM items WHERE pid % 100 = 7 ORDER BY e <-> q.e LIMIT 10) s;
    ELSE
      SELECT array_agg(id) INTO r FROM items WHERE e <@ face_sphere(q.e, 0.6);
    END IF;
    INSERT INTO runs VALUES (label, q.qid, extract(epoch FROM clock_timestamp() - t0) * 1000, coalesce(r, '{}'));
  END LOOP;
END $$;
-- recall of run label against run truth (ties at the k-th distance count as hits)
CREATE FUNCTION recall(label text, truth text) RETURNS numeric LANGUAGE sql AS $$
  WITH t AS (SELECT qid, ids FROM runs WHERE runs.label = truth),
       kth AS (SELECT t.qid, max(i.e <-> q.e) d, sum(1) n FROM t, unnest(t.ids) x JOIN items i ON i.id = x
               JOIN queries q ON true WHERE q.qid = t.qid GROUP BY t.qid),
       got AS (SELECT r.qid, count(*) FILTER (WHERE (i.e <-> q.e) <= kth.d) h
               FROM runs r JOIN kth USING (qid) JOIN queries q USING (qid) CROSS JOIN unnest(r.ids) x
               JOIN items i ON i.id = x WHERE r.label = $1 GROUP BY r.qid)
  SELECT round(coalesce(sum(h), 0) / sum(n), 4) FROM kth LEFT JOIN got USING (qid)
$$;
CREATE FUNCTION stats(label text) RETURNS text LANGUAGE sql AS $$
  SELECT format('%8s q/s   p50 %6s ms   p99 %6s ms',
    round(count(*) / (sum(ms) / 1000))::text,
    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3),
    round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 3))
  FROM runs WHERE runs.label = $1
$$;
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
# the 10th exact distance per query and filter, for bench/pgvector_recall.mjs
$P -c "\\copy (SELECT t.label, t.qid, max(i.e <-> q.e) FROM runs t CROSS JOIN unnest(t.ids) x JOIN items i ON i.id = x JOIN queries q ON q.qid = t.qid WHERE t.label IN ('exact', 'exact_f10', 'exact_f1') GROUP BY t.label, t.qid ORDER BY 1, 2) TO '$tmp/truth.tsv'"
$P -At -c "SELECT 'exact knn:      ' || stats('exact')" \
       -c "SELECT 'exact f10:      ' || stats('exact_f10')" \
       -c "SELECT 'exact f1:       ' || stats('exact_f1')" \
       -c "SELECT 'exact radius:   ' || stats('exact_radius')"

WITH=${OPTS:+WITH ($OPTS)}
echo "== build ${OPTS:-(default options)}"
$P -At <<SQL
SET maintenance_work_mem = '1GB';
\timing on
CREATE INDEX items_e ON items USING facegraph (e) $WITH;
\timing off
SELECT format('index size %s MiB (%s bytes), heap %s MiB',
  round(pg_relation_size('items_e') / 1048576.0, 1), pg_relation_size('items_e'),
  round(pg_relation_size('items') / 1048576.0, 1));
SELECT format('face_index_check rows: %s', count(*)) FROM face_index_check('items_e');
SQL

echo "== kNN k=10 through the index"
for ef in $EFS; do
  $P -At <<SQL
SET openface.ef_search = $ef; SET enable_seqscan = off;
\o /dev/null
SELECT run('ef$ef', 'knn', $NQ);
\o
SELECT format('ef_search %4s  recall@10 %s  %s', $ef, recall('ef$ef', 'exact'), stats('ef$ef'));
SQL
done

echo "== pgbench q/s (1 client, prepared statements, 10 s each, random query)"
cat > "$tmp/knn.sql" <<SQL
\set q random(1, $NQ)
SELECT id FROM items ORDER BY e <-> (SELECT e FROM queries WHERE qid = :q) LIMIT 10;
SQL
chmod 644 "$tmp/knn.sql"
for ef in $EFS; do
  tps=$(PGOPTIONS="-c openface.ef_search=$ef -c enable_seqscan=off" pgbench -n -M prepared -c 1 -T 10 -f "$tmp/knn.sql" $DB 2>/dev/null | awk '/^tps/ {print int($3)}')
  echo "ef_search $ef: $tps q/s"
done

echo "== filtered kNN (ef_search 40): 10% and 1% of rows match"
for strict in on off; do
  $P -At <<SQL
SET openface.ef_search = 40; SET enable_seqscan = off; SET openface.strict_order = $strict;
\o /dev/null
SELECT run('f10$strict', 'f10', $NEX);
SELECT run('f1$strict', 'f1', $NEX);
\o
SELECT format('10%%, strict_order $strict: recall@10 %s  full LIMIT in %s of %s queries  %s', recall('f10$strict', 'exact_f10'),
  (SELECT count(*) FROM runs WHERE label = 'f10$strict' AND cardinality(ids) = 10), $NEX, stats('f10$strict'));
SELECT format(' 1%%, strict_order $strict: recall@10 %s  full LIMIT in %s of %s queries  %s', recall('f1$strict', 'exact_f1'),
  (SELECT count(*) FROM runs WHERE label = 'f1$strict' AND cardinality(ids) = 10), $NEX, stats('f1$strict'));
SQL
done

echo "== radius search, r = 0.6"
$P -At <<SQL
SET openface.ef_search = 40; SET enable_seqscan = off;
\o /dev/null
SELECT run('radius', 'radius', $NEX);
\o
SELECT format('recall %s (%s of %s rows)  %s', round(a.n::numeric / b.n, 4), a.n, b.n, stats('radius'))
FROM (SELECT sum(cardinality(ids)) n FROM runs WHERE label = 'radius') a,
     (SELECT sum(cardinality(ids)) n FROM runs WHERE label = 'exact_radius') b;
SQL

echo "== churn: delete 10%, re-sample 10% (same identity), VACUUM; recall at ef_search 40"
$P -At <<SQL
\o /dev/null
SET openface.ef_search = 40; SET enable_seqscan = off;
SELECT run('fresh40', 'knn', $NEX);
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
SET openface.ef_search = 40; SET enable_seqscan = off;
SELECT run('churn', 'knn', $NEX);
\o
SELECT format('after churn: recall@10 %s (fresh index, same %s queries: %s)  %s',
  recall('churn', 'exact_churn'), $NEX, recall('fresh40', 'exact_first'), stats('churn'));
SQL

psql -X -q -d postgres -c "DROP DATABASE $DB"

if [ -n "${PGVECTOR:-}" ]; then
  echo "== pgvector on the same data and queries (recall; its speed in WebAssembly is not comparable)"
  (cd "$tmp" && npm install --silent --no-audit --no-fund --legacy-peer-deps \
     @electric-sql/pglite@0.5.14 @electric-sql/pglite-pgvector@0.0.15 >/dev/null &&
   cp "$here/pgvector_recall.mjs" . && node --max-old-space-size=8192 pgvector_recall.mjs "$tmp" $EFS)
fi
