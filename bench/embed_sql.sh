#!/usr/bin/env bash
# face_embed inside PostgreSQL: first-call latency in a new connection,
# backend memory (anonymous vs shared file pages of the mapped model), and
# the parallel throughput of SELECT count(face_embed(photo)) over >= 200
# photos with 0 and 2 workers.  Needs `make install`; starts its own cluster.
# Photos: ../shared/faces if present, else test/fixtures/images.
set -euo pipefail
cd "$(dirname "$0")/.."
pgbin=$(pg_config --bindir)
port=${OPENFACE_BENCH_PORT:-54332}
dir=$(mktemp -d /tmp/openface-bench.XXXXXX); chmod 755 "$dir"; chown postgres "$dir"
trap 'runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1; rm -rf "$dir"' EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses='' -c max_parallel_workers_per_gather=2" start >/dev/null
psql="psql -X -q -h $dir -p $port -U postgres -d postgres"

src=../shared/faces
[ -d "$src" ] || src=test/fixtures/images
mkdir -p "$dir/photos"
find "$src" \( -name '*.jpg' -o -name '*.jpeg' -o -name '*.png' \) | while read -r f; do
    cp "$f" "$dir/photos/$(echo "${f#"$src"/}" | tr '/' '_')"
done
chmod -R a+rX "$dir/photos"
nphotos=$(ls "$dir/photos" | wc -l)

$psql -c "CREATE EXTENSION openface" \
      -c "CREATE TABLE src AS SELECT f AS name, pg_read_binary_file('$dir/photos/' || f) AS img FROM pg_ls_dir('$dir/photos') f" \
      -c "CREATE TABLE photos AS SELECT s.* FROM src s, generate_series(1, ceil(200.0 / $nphotos)::int)" \
      -c "ALTER TABLE photos SET (parallel_workers = 2)" -c "VACUUM ANALYZE photos"
one=$($psql -Atc "SELECT name FROM src ORDER BY length(img) LIMIT 1")

echo "== first call in a new connection (model mapped on first use), then the same photo again"
$psql <<SQL | grep -E 'Time|Rss'
\\timing on
SELECT face_embed(img) IS NOT NULL FROM src WHERE name = '$one';
SELECT face_embed(img) IS NOT NULL FROM src WHERE name = '$one';
\\timing off
SELECT pg_backend_pid() AS pid \\gset
\\setenv BACKEND_PID :pid
\\! grep -E 'VmRSS|RssAnon|RssFile' /proc/\$BACKEND_PID/status
SQL

n=$($psql -Atc "SELECT count(*) FROM photos")
for w in 0 2; do
    ms=$($psql -At -c "SET max_parallel_workers_per_gather = $w" -c "SET parallel_setup_cost = 0" \
         -c '\timing on' -c "SELECT count(face_embed(img)) FROM photos" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    echo "count(face_embed(photo)) over $n photos, $w workers: $ms ms, $(echo "$n * 1000 / $ms" | bc -l | xargs printf '%.1f') photos/s"
done
