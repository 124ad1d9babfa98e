#!/usr/bin/env bash
# Background embedding throughput: photos queued by face_embed_queue_trigger
# and embedded by openface.embed_workers = 1, then 2, against the inline
# face_embed_trigger in the inserting session.  Needs `make install`; starts
# its own cluster with openface in shared_preload_libraries (restarted for
# each worker count).  Photos: $OPENFACE_BENCH_PHOTOS, else
# ../shared/faces/people if present, else test/fixtures/people, repeated to
# at least $1 (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-200}
batch=100
pgbin=$(pg_config --bindir)
port=${OPENFACE_BENCH_PORT:-54333}
dir=$(mktemp -d /tmp/openface-bench.XXXXXX); chmod 755 "$dir"; chown postgres "$dir"
pgctl() { runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/log" -w "$@" >/dev/null; }
trap 'pgctl -m fast stop 2>/dev/null; rm -rf "$dir"' EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$dir'
listen_addresses = ''
shared_preload_libraries = 'openface'
CONF
psql="psql -X -q -At -h $dir -p $port -U postgres -d postgres"

src=${OPENFACE_BENCH_PHOTOS:-../shared/faces/people}
[ -d "$src" ] || src=test/fixtures/people
mkdir -p "$dir/photos"
find "$src" -type f \( -name '*.jpg' -o -name '*.jpeg' -o -name '*.png' \) | while read -r f; do
    cp "$f" "$dir/photos/$(echo "${f#"$src"/}" | tr '/' '_')"
done
chmod -R a+rX "$dir/photos"

pgctl start
$psql -c "CREATE EXTENSION openface" \
      -c "CREATE TABLE src AS SELECT f AS name, pg_read_binary_file('$dir/photos/' || f) AS photo FROM pg_ls_dir('$dir/photos') f" \
      -c "CREATE TABLE input AS SELECT row_number() OVER () AS n, s.* FROM src s, generate_series(1, ceil($want::numeric / (SELECT count(*) FROM src))::int)" \
      -c "CREATE TABLE photos (id bigserial PRIMARY KEY, name text, photo bytea, embedding face_embedding)"
n=$($psql -c "SELECT count(*) FROM input")
echo "$n photos from $src ($($psql -c "SELECT count(*) FROM src") distinct, $($psql -c "SELECT pg_size_pretty(avg(length(photo))::bigint) FROM src") on average)"

$psql -c "CREATE TRIGGER embed BEFORE INSERT ON photos FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding')"
ms=$($psql -c '\timing on' -c "INSERT INTO photos (name, photo) SELECT name, photo FROM input" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
echo "inline face_embed_trigger: INSERT of $n photos $ms ms, $(echo "$n * 1000 / $ms" | bc -l | xargs printf '%.1f') photos/s"
$psql -c "DROP TRIGGER embed ON photos" \
      -c "CREATE TRIGGER embed BEFORE INSERT ON photos FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding')"

for w in 1 2; do
    pgctl -m fast stop
    echo "openface.embed_workers = $w" >>"$dir/data/postgresql.conf"
    pgctl start
    until [ "$($psql -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'openface embed worker'")" = "$w" ]; do sleep 0.2; done
    $psql -c "TRUNCATE photos, face_embed_queue"
    # in batches, as openface load does: the workers start on the first one
    ms=$(for ((b = 0; b < n; b += batch)); do
             echo "INSERT INTO photos (name, photo) SELECT name, photo FROM input WHERE n > $b AND n <= $((b + batch));"
         done | $psql -c '\timing on' -f - | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | paste -sd+ | bc)
    # the rate comes from the jobs' own timestamps; polling rarely leaves the cores to the workers
    until [ "$($psql -c "SELECT count(*) FROM face_embed_queue WHERE state IN ('pending', 'running')")" = 0 ]; do sleep 2; done
    read -r secs states < <($psql -F ' ' -c "SELECT extract(epoch FROM max(finished_at) - min(queued_at)),
        string_agg(state || '=' || c, ',' ORDER BY state) FROM (SELECT state, count(*) c, min(queued_at) queued_at,
        max(finished_at) finished_at FROM face_embed_queue GROUP BY state) s")
    echo "$w worker(s): INSERT $ms ms in batches of $batch, queue drained in $(printf '%.2f' "$secs") s: $(echo "$n / $secs" | bc -l | xargs printf '%.1f') photos/s ($states)"
done
