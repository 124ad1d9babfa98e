#!/usr/bin/env bash
# facegraph churn soak: does VACUUM leave the graph as healthy as a fresh build?
#
#   bench/churn_soak.sh [SECONDS] [ROWS]        (defaults 180 25000)
#
# Loads ROWS random 128-d rows and builds the index; then two clients churn for
# SECONDS (pgbench: inserts and deletes of 20 rows that keep the table between
# MIN_ROWS and MAX_ROWS, VACUUM, kNN and radius queries); then two VACUUMs run
# with nothing else.  It reports, for the churned index and then for a fresh
# build of the same rows (REINDEX):
#   - face_index_check problems by kind (none means healthy);
#   - self-search misses: rows whose nearest neighbour through the index at
#     openface.ef_search = 1000 is not the row itself (SELF_EVERY=N checks
#     every Nth row only, for quicker runs);
#   - recall@10 of NQ random queries at openface.ef_search = EF against the
#     exact scan.
# Uses the server from the usual libpq variables (PGHOST, PGPORT, PGUSER); the
# openface extension must be installed there.  Creates and drops the database
# openface_churn_soak.  Not part of the test suite: it takes ~10 minutes.
set -euo pipefail
SECONDS_=${1:-180}
ROWS=${2:-25000}
MIN_ROWS=${MIN_ROWS:-20000}
MAX_ROWS=${MAX_ROWS:-33000}
SELF_EVERY=${SELF_EVERY:-1}
NQ=${NQ:-500}
EF=${EF:-40}
RADIUS=${RADIUS:-3.9}               # ~0.1% of random rows lie this close to a random query
DB=openface_churn_soak
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
P="psql -X -q -v ON_ERROR_STOP=1 -d $DB"
$P <<SQL
CREATE EXTENSION openface;
CREATE FUNCTION rnd_emb() RETURNS face_embedding LANGUAGE sql VOLATILE AS
  \$\$ SELECT array_agg(random() - 0.5)::face_embedding FROM generate_series(1, 128) \$\$;
CREATE TABLE t (id bigserial PRIMARY KEY, e face_embedding);
SELECT setseed(0.5) \gset
INSERT INTO t (e) SELECT rnd_emb() FROM generate_series(1, $ROWS);
CREATE TABLE queries (qid int PRIMARY KEY, e face_embedding);
INSERT INTO queries SELECT i, rnd_emb() FROM generate_series(1, $NQ) i;
CREATE INDEX t_e ON t USING facegraph (e);
VACUUM ANALYZE t;
SQL

cat >"$tmp/insert.sql" <<SQL
INSERT INTO t (e) SELECT rnd_emb() FROM generate_series(1, 20) WHERE (SELECT count(*) FROM t) < $MAX_ROWS;
SQL
cat >"$tmp/delete.sql" <<SQL
DELETE FROM t WHERE id IN (SELECT id FROM t WHERE id >= (SELECT (max(id) * random())::bigint FROM t)
                           ORDER BY id LIMIT 20) AND (SELECT count(*) FROM t) > $MIN_ROWS;
SQL
cat >"$tmp/knn.sql" <<'SQL'
SELECT id FROM t ORDER BY e <-> (SELECT rnd_emb()) LIMIT 10;
SQL
cat >"$tmp/radius.sql" <<SQL
SELECT count(*) FROM t WHERE e <@ face_sphere((SELECT e FROM t WHERE id >= (SELECT (max(id) * random())::bigint FROM t) ORDER BY id LIMIT 1), $RADIUS);
SQL
echo 'VACUUM t;' >"$tmp/vacuum.sql"

echo "== churn: 2 clients for $SECONDS_ s on $ROWS rows (kept within $MIN_ROWS..$MAX_ROWS)"
pgbench -n -c 2 -j 2 -T "$SECONDS_" -d "$DB" \
    -f "$tmp/insert.sql@10" -f "$tmp/delete.sql@10" -f "$tmp/knn.sql@10" \
    -f "$tmp/radius.sql@5" -f "$tmp/vacuum.sql@1" 2>&1 |
    grep -E '^(number of (transactions|failed)|tps|SQL script| - [0-9]+ trans)' || true
$P -c 'VACUUM t' -c 'VACUUM t'

report() {
    $P -At <<SQL
SELECT format('rows %s, index %s MiB', count(*), round(pg_relation_size('t_e') / 1048576.0, 1)) FROM t;
SELECT format('check: %s', coalesce(string_agg(problem || ' ' || n, ', ' ORDER BY problem), 'no problems'))
  FROM (SELECT problem, count(*) n FROM face_index_check('t_e') GROUP BY problem) s;
SET enable_seqscan = off;
SET openface.ef_search = 1000;
SELECT format('self-search misses at ef_search 1000: %s of %s (%s%%)', sum(miss), count(*),
              round(100.0 * sum(miss) / count(*), 2))
  FROM (SELECT ((SELECT id FROM t ORDER BY e <-> r.e LIMIT 1) <> r.id)::int AS miss
          FROM t r WHERE r.id % $SELF_EVERY = 0) s;
SET openface.ef_search = $EF;
CREATE TEMP TABLE ix AS SELECT qid, ARRAY(SELECT id FROM t ORDER BY e <-> q.e LIMIT 10) ids FROM queries q;
RESET enable_seqscan;
SET enable_indexscan = off; SET enable_bitmapscan = off;
CREATE TEMP TABLE ex AS SELECT qid, ARRAY(SELECT id FROM t ORDER BY e <-> q.e LIMIT 10) ids FROM queries q;
SELECT format('recall@10 at ef_search $EF: %s%% (%s queries)',
              round(100.0 * sum(cardinality(ARRAY(SELECT unnest(ix.ids) INTERSECT SELECT unnest(ex.ids)))) / (10 * count(*)), 2),
              count(*))
  FROM ix JOIN ex USING (qid);
SQL
}

echo "== after churn and two VACUUMs"
report
$P -c 'REINDEX INDEX t_e'
echo "== fresh build of the same rows (REINDEX)"
report
psql -X -q -d postgres -c "DROP DATABASE $DB"
