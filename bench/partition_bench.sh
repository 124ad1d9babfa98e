#!/usr/bin/env bash
# Face table in 1 vs P hash partitions, each with a facegraph index: build
# time, recall@10 against the exact answer and queries/s with p50/p99 latency
# of ORDER BY embedding <-> q LIMIT 10 over the parent, at one search width.
#
#   bench/partition_bench.sh [N_VECTORS] [N_QUERIES] [PARTITION COUNTS...]
#                            (defaults 200000 500 1 4 16)
#
# Uses the server from PGHOST/PGPORT/PGUSER (openface installed there);
# creates and drops the database openface_partition_bench.
set -euo pipefail
N=${1:-200000}
NQ=${2:-500}
shift $(( $# > 2 ? 2 : $# ))
PARTS=${*:-"1 4 16"}
EF=${EF:-40}
DB=openface_partition_bench
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT; chmod 755 "$tmp"

cc -std=c11 -O2 -I"$here/../gen" -I"$here/../src/core" -o "$tmp/index_data" "$here/index_data.c" -lm
"$tmp/index_data" "$N" "$NQ" 1 "$tmp/items.tsv" "$tmp/queries.tsv" facelike
chmod 644 "$tmp"/*.tsv
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
P="psql -X -q -At -v ON_ERROR_STOP=1 -d $DB"
$P <<SQL
CREATE EXTENSION openface;
CREATE TABLE src (id int, pid int, e face_embedding);
CREATE TABLE queries (qid int, pid int, e face_embedding);
\copy src FROM '$tmp/items.tsv'
\copy queries FROM '$tmp/queries.tsv'
-- exact answers, computed once
CREATE TABLE truth AS
SELECT q.qid, t.id FROM queries q,
    LATERAL (SELECT id FROM src ORDER BY e <-> q.e LIMIT 10) t;
SQL

printf '%-11s %9s %8s %9s %9s %9s\n' partitions build_s recall q/s p50_ms p99_ms
for p in $PARTS; do
    $P <<SQL >/dev/null
DROP TABLE IF EXISTS items;
CREATE TABLE items (id int, pid int, e face_embedding) PARTITION BY HASH (id);
SELECT format('CREATE TABLE items_%s PARTITION OF items FOR VALUES WITH (MODULUS %s, REMAINDER %s)', r, $p, r)
FROM generate_series(0, $p - 1) r \gexec
INSERT INTO items SELECT * FROM src;
VACUUM ANALYZE items;
SQL
    build=$($P -c "SET maintenance_work_mem = '1GB'" -c '\timing on' -c "CREATE INDEX ON items USING facegraph (e)" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    $P <<SQL >"$tmp/run.txt"
SET openface.ef_search = $EF;
CREATE TEMP TABLE lat (qid int, ms float8, found int);
DO \$\$
DECLARE r record; t0 timestamptz; ids int[];
BEGIN
    FOR r IN SELECT qid, e FROM queries ORDER BY qid LOOP
        t0 := clock_timestamp();
        SELECT array_agg(id) INTO ids FROM (SELECT id FROM items ORDER BY e <-> r.e LIMIT 10) s;
        INSERT INTO lat VALUES (r.qid, extract(epoch FROM clock_timestamp() - t0) * 1000,
            (SELECT count(*) FROM truth t WHERE t.qid = r.qid AND t.id = ANY (ids)));
    END LOOP;
END \$\$;
SELECT round(sum(found)::numeric / (10 * count(*)), 3), round(1000 * count(*) / sum(ms)),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) FROM lat;
SQL
    IFS='|' read -r recall qps p50 p99 < "$tmp/run.txt"
    printf '%-11s %9.1f %8s %9s %9s %9s\n' "$p" "$(echo "$build / 1000" | bc -l)" "$recall" "$qps" "$p50" "$p99"
done
psql -X -q -d postgres -c "DROP DATABASE $DB"
