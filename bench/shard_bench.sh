#!/usr/bin/env bash
# kNN through a postgres_fdw coordinator over S shards (each its own local
# cluster with a facegraph index), against one server holding every row:
# queries/s and p50/p99 latency of ORDER BY embedding <-> q LIMIT 10, and
# recall@10.  All servers share this machine's cores: shards add no CPU here,
# so this measures the coordination cost, not a scale-out speed-up.
#
#   bench/shard_bench.sh [N_VECTORS] [N_QUERIES] [SHARD COUNTS...]   (defaults 200000 300 2 3)
#
# Needs `make install`; run as root (servers run as postgres).
set -euo pipefail
N=${1:-200000}
NQ=${2:-300}
shift $(( $# > 2 ? 2 : $# ))
SHARDS=${*:-"2 3"}
EF=${EF:-40}
here=$(cd "$(dirname "$0")" && pwd)
pgbin=$(pg_config --bindir)
base=${OPENFACE_BENCH_PORT:-54340}
dir=$(mktemp -d /tmp/openface-shards.XXXXXX); chmod 755 "$dir"; chown postgres "$dir"
export PGOPTIONS="-c client_min_messages=warning"

nodes=()
start_node() {   # name port
    runuser -u postgres -- "$pgbin/initdb" -D "$dir/$1" -A trust -U postgres >/dev/null
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/$1" -l "$dir/$1.log" -w \
        -o "-p $2 -k $dir -c listen_addresses='' -c shared_buffers=1GB -c maintenance_work_mem=1GB -c max_parallel_workers_per_gather=0" start >/dev/null
    nodes+=("$1")
}
cleanup() {
    for n in "${nodes[@]}"; do runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/$n" -m fast stop >/dev/null 2>&1 || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$dir" -p "$1" -U postgres -d postgres "${@:2}"; }

cc -std=c11 -O2 -I"$here/../gen" -I"$here/../src/core" -o "$dir/index_data" "$here/index_data.c" -lm
"$dir/index_data" "$N" "$NQ" 1 "$dir/items.tsv" "$dir/queries.tsv" facelike
chmod 644 "$dir"/*.tsv

measure() {   # port table -> "recall q/s p50 p99"
    sql "$1" <<SQL
SET openface.ef_search = $EF;
CREATE TEMP TABLE lat (ms float8, found int);
DO \$\$
DECLARE r record; t0 timestamptz; ids int[];
BEGIN
    FOR r IN SELECT qid, e FROM queries ORDER BY qid LOOP
        t0 := clock_timestamp();
        SELECT array_agg(id) INTO ids FROM (SELECT id FROM $2 ORDER BY e <-> r.e LIMIT 10) s;
        INSERT INTO lat VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000,
            (SELECT count(*) FROM truth t WHERE t.qid = r.qid AND t.id = ANY (ids)));
    END LOOP;
END \$\$;
SELECT round(sum(found)::numeric / (10 * count(*)), 3) || ' ' || round(1000 * count(*) / sum(ms)) || ' ' ||
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) || ' ' ||
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) FROM lat;
SQL
}

# One server with every row.
start_node single "$base"
sql "$base" <<SQL
CREATE EXTENSION openface;
CREATE TABLE items (id int PRIMARY KEY, pid int, e face_embedding);
CREATE TABLE queries (qid int, pid int, e face_embedding);
\copy items FROM '$dir/items.tsv'
\copy queries FROM '$dir/queries.tsv'
CREATE TABLE truth AS SELECT q.qid, t.id FROM queries q,
    LATERAL (SELECT id FROM items ORDER BY e <-> q.e LIMIT 10) t;
CREATE INDEX ON items USING facegraph (e);
VACUUM ANALYZE items;
SQL
printf '%-10s %8s %8s %8s %8s\n' servers recall q/s p50_ms p99_ms
read -r rec qps p50 p99 <<< "$(measure "$base" items)"
printf '%-10s %8s %8s %8s %8s\n' "1" "$rec" "$qps" "$p50" "$p99"
sql "$base" -c "COPY truth TO '$dir/truth.tsv'"

port=$((base + 1))
for s in $SHARDS; do
    coord_port=$port; port=$((port + 1))
    start_node "coord$s" "$coord_port"
    ddl="CREATE EXTENSION openface; CREATE EXTENSION postgres_fdw;
         CREATE TABLE items (id int, pid int, e face_embedding) PARTITION BY HASH (id);
         CREATE TABLE queries (qid int, pid int, e face_embedding); CREATE TABLE truth (qid int, id int);"
    for i in $(seq 0 $((s - 1))); do
        start_node "shard${s}_$i" "$port"
        sql "$port" -c "CREATE EXTENSION openface" \
            -c "CREATE TABLE items (id int PRIMARY KEY, pid int, e face_embedding)"
        ddl="$ddl
         CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$dir', port '$port',
             dbname 'postgres', extensions 'openface', fetch_size '20', batch_size '1000');
         CREATE USER MAPPING FOR CURRENT_USER SERVER shard$i;
         CREATE FOREIGN TABLE items_$i PARTITION OF items FOR VALUES WITH (MODULUS $s, REMAINDER $i)
             SERVER shard$i OPTIONS (table_name 'items');"
        port=$((port + 1))
    done
    sql "$coord_port" -c "$ddl" -c "\copy items FROM '$dir/items.tsv'" \
        -c "\copy queries FROM '$dir/queries.tsv'" -c "\copy truth FROM '$dir/truth.tsv'"
    for i in $(seq 0 $((s - 1))); do
        sql $((coord_port + 1 + i)) -c "CREATE INDEX ON items USING facegraph (e)" -c "VACUUM ANALYZE items"
    done
    read -r rec qps p50 p99 <<< "$(measure "$coord_port" items)"
    printf '%-10s %8s %8s %8s %8s\n' "$s shards" "$rec" "$qps" "$p50" "$p99"
done
