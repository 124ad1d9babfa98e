# Sourced by the index benchmarks.  index_rows N NQ DATA DB: N rows and NQ
# queries from bench/index_data.c (seed 1; DATA realfaces or facelike) in
# $tmp, then database DB made afresh with openface and the tables items (id,
# pid, e) and queries (qid, pid, e) loaded and analysed.  Needs $here (the
# bench directory) and $tmp (a scratch directory the server can read).
index_rows() {
  local n=$1 nq=$2 data=$3 db=$4
  cc -std=c11 -O2 -I"$here/../gen" -I"$here/../src/core" -o "$tmp/index_data" "$here/index_data.c" -lm
  "$tmp/index_data" "$n" "$nq" 1 "$tmp/items.tsv" "$tmp/queries.tsv" "$data"
  chmod 644 "$tmp"/*.tsv
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION openface;
CREATE TABLE items (id int PRIMARY KEY, pid int, e face_embedding);
CREATE TABLE queries (qid int PRIMARY KEY, pid int, e face_embedding);
\copy items FROM '$tmp/items.tsv'
\copy queries FROM '$tmp/queries.tsv'
VACUUM ANALYZE items;
VACUUM ANALYZE queries;
SQL
}
