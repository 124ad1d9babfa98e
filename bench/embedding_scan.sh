#!/usr/bin/env bash
# Exact-scan throughput of `ORDER BY e <-> q LIMIT 10` over N face_embedding
# rows (default 1,000,000), with 0 and 2 parallel workers, next to the bare
# kernel cost per pair measured in the same run (build/bench/distance_kernels).
# Needs the extension installed (make install).  Starts its own cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
pgbin=$(pg_config --bindir)
port=${OPENFACE_BENCH_PORT:-54331}
dir=$(mktemp -d /tmp/openface-bench.XXXXXX); chmod 755 "$dir"; chown postgres "$dir"
trap 'runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1; rm -rf "$dir"' EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses='' -c shared_buffers=1GB -c max_parallel_workers_per_gather=2" start >/dev/null
psql="psql -X -q -h $dir -p $port -U postgres -d postgres"
make -s build/bench/distance_kernels
echo "== kernel alone"
build/bench/distance_kernels "$n"

$psql -c "CREATE EXTENSION openface" -c "CREATE EXTENSION pg_prewarm" -c "SELECT setseed(0.5)" \
      -c "CREATE TABLE t AS SELECT i AS id, face_embedding(array(SELECT (random() - 0.5)::real FROM generate_series(1, 128) WHERE i > 0)) AS e FROM generate_series(1, $n) i" \
      -c "VACUUM ANALYZE t" -c "SELECT pg_prewarm('t')" >/dev/null
echo "== table: $($psql -Atc "SELECT pg_size_pretty(pg_relation_size('t'))") for $n rows ($($psql -Atc "SELECT pg_relation_size('t') / $n") bytes/row on disk)"
q=$($psql -Atc "SELECT e FROM t WHERE id = 1")
for workers in 0 2; do
    best=999999
    for rep in 1 2 3; do
        ms=$($psql -At -c "SET max_parallel_workers_per_gather = $workers" -c '\timing on' \
            -c "SELECT id FROM t ORDER BY e <-> '$q' LIMIT 10" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
        best=$(echo "if ($ms < $best) $ms else $best" | bc -l)
    done
    echo "exact scan, $workers workers: $best ms, $(echo "$best * 1000000 / $n" | bc -l | xargs printf '%.1f') ns/row, $(echo "1000 / $best" | bc -l | xargs printf '%.2f') queries/s"
done
