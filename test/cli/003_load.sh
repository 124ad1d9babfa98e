#!/usr/bin/env bash
# openface load: photos into a table over libpq, read by the client only.
# Row counts, bytes that round-trip (md5), face_embed over the loaded rows,
# given columns, a transaction per batch, clear errors.  TAP output.
#
#   OPENFACE_CLI      the command to test (default build/openface)
#   OPENFACE_TEST_DB  a database with the extension (psql's and the CLI's PG*
#                     settings reach it, as a superuser); without it every test
#                     is skipped
set -u
cd "$(dirname "$0")/../.."
cli=$(realpath "${OPENFACE_CLI:-build/openface}")
fx=$(realpath test/fixtures)
. test/cli/lib.bash

if [ -z "${OPENFACE_TEST_DB:-}" ]; then
    echo "1..0 # SKIP no database (OPENFACE_TEST_DB)"
    exit 0
fi
db=$OPENFACE_TEST_DB
# A folder only root reads: the server (running as another user) could not
# open these files, so a loaded row proves the client sent the bytes.
tmp=$(mktemp -d)
chmod 700 "$tmp"
trap 'rm -rf "$tmp"; sql "DROP SCHEMA IF EXISTS openface_load CASCADE" >/dev/null 2>&1' EXIT
sql() { psql -X -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
# md5 and path of every row, sorted, as md5sum prints them
table_md5() { sql "SELECT md5($2) || '  ' || $3 FROM $1 ORDER BY 1" ; }

sql "SET client_min_messages = warning; DROP SCHEMA IF EXISTS openface_load CASCADE; CREATE SCHEMA openface_load" >/dev/null
cp -r $fx/photos $fx/people "$tmp/"
nfiles=$(find "$tmp/photos" "$tmp/people" -type f | wc -l)

# ---- a missing table is created as (id, path, photo)
run load -d "dbname=$db" --table openface_load.photos "$tmp/photos" "$tmp/people"
is "$rc" 0 "load of two folders exits 0"
grep -q 'created table openface_load.photos' "$tmp/err"; ok $? "... says it created the table"
[ ! -s "$tmp/out" ]; ok $? "... and prints nothing on stdout"
is "$(sql "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
           FROM pg_attribute WHERE attrelid = 'openface_load.photos'::regclass AND attnum > 0")" \
   "id bigint, path text, photo bytea" "the table is (id bigint, path text, photo bytea)"
is "$(sql "SELECT count(*) FROM openface_load.photos")" "$nfiles" "one row per photo ($nfiles)"
(cd / && find "$tmp/photos" "$tmp/people" -type f -exec md5sum {} + | sort) >"$tmp/files.md5"
table_md5 openface_load.photos photo path >"$tmp/table.md5"
cmp -s "$tmp/files.md5" "$tmp/table.md5"; ok $? "every row's bytes and path are its file's (md5)"
is "$(sql "SELECT count(*) FILTER (WHERE face_embed(photo) IS NOT NULL) || ' ' ||
                  count(*) FILTER (WHERE path LIKE '%noface%' AND face_embed(photo) IS NULL)
           FROM openface_load.photos")" "$((nfiles - 1)) 1" \
   "face_embed finds a face in every loaded photo but the faceless one"
is "$(sql "SELECT string_agg(path, ' ' ORDER BY id) FROM openface_load.photos WHERE id <= 2")" \
   "$tmp/photos/bbt3.jpg $tmp/photos/bbt4.jpg" "ids follow the sorted file order"
run load -d "dbname=$db" --table openface_load.photos "$tmp/photos/bbt3.jpg"
is "$rc:$(sql "SELECT count(*) FROM openface_load.photos")" "0:$((nfiles + 1))" \
   "loading into the existing table appends"

# the progress bar is drawn when stderr is a terminal (script(1) gives it one), never into a file
grep -q '\[#' "$tmp/err"; [ $? -ne 0 ]; ok $? "no progress bar when stderr is a file"
script -qec "$(printf '%q ' "$cli" load -d "dbname=$db" --table openface_load.tty "$tmp/photos")" /dev/null >"$tmp/tty" 2>&1
is "$?:$(tr '\r' '\n' <"$tmp/tty" | grep -c '^\[##############################\] 4/4 photos, ')" "0:1" \
   "on a terminal: a progress bar that ends full (4/4 photos)"

# ---- given columns of an existing table, several batches
sql "CREATE TABLE openface_load.\"Mixed Case\" (key serial PRIMARY KEY, img bytea NOT NULL, taken timestamptz DEFAULT now())" >/dev/null
run load -d "dbname=$db" --table 'openface_load."Mixed Case"' --path-column '' --photo-column img \
    --batch 7 "$tmp/people"
is "$rc:$(sql "SELECT count(*) || ' ' || count(taken) FROM openface_load.\"Mixed Case\"")" "0:40 40" \
   "--photo-column, no path column, a quoted table name: 40 rows, defaults filled"
grep -q '40 photos .* 6 transactions' "$tmp/err"; ok $? "... in 6 transactions of at most 7"

# ---- a failing batch is rolled back alone, and the load stops there
sql "CREATE TABLE openface_load.picky (id serial, path text CHECK (path NOT LIKE '%sideways%'), photo bytea)" >/dev/null
run load -d "dbname=$db" --table openface_load.picky --batch 2 "$tmp/photos"
is "$rc:$(sql "SELECT string_agg(regexp_replace(path, '.*/', ''), ' ' ORDER BY id) FROM openface_load.picky")" \
   "1:bbt3.jpg bbt4.jpg" "a server error in batch 2: exit 1, batch 1 kept, batch 2 rolled back"
grep -q 'violates check constraint' "$tmp/err" && grep -q 'noface_hubble.jpg .. .*sideways_exif6.jpg was rolled back' "$tmp/err"
ok $? "... the server's message and the rolled-back batch's files on stderr"

# ---- clear errors
run load -d "dbname=$db" --table openface_load.photos --photo-column nope "$tmp/photos"
is "$rc" 1 "a missing column exits 1"
grep -q 'column "nope" of relation "photos" does not exist' "$tmp/err"; ok $? "... with the server's message"
run load -d "dbname=$db" --table openface_load.photos "$tmp/photos/bbt3.jpg" "$tmp/missing.jpg" "$tmp/photos/bbt4.jpg"
is "$rc:$(sql "SELECT count(*) FROM openface_load.photos")" "1:$((nfiles + 3))" \
   "an unreadable file: exit 1, the others loaded"
grep -q "cannot load $tmp/missing.jpg" "$tmp/err"; ok $? "... and it is named"
run load -d "dbname=$db" --table 'no such"name' "$tmp/photos"
is "$rc" 1 "a table name SQL cannot read exits 1"
run load -d "host=$tmp port=1" --table t "$tmp/photos"
is "$rc" 1 "a server that is not there exits 1"
grep -q 'cannot connect' "$tmp/err"; ok $? "... saying it cannot connect"
run load "$tmp/photos"
is "$rc" 2 "load without --table exits 2"
run load -d "dbname=$db" --table openface_load.photos --batch 0 "$tmp/photos"
is "$rc" 2 "--batch 0 exits 2"
# the PG* environment alone names the server; PGDATABASE the database
PGDATABASE=$db "$cli" load --table openface_load.env "$tmp/photos/bbt3.jpg" >/dev/null 2>&1
is "$?:$(sql "SELECT count(*) FROM openface_load.env")" "0:1" "without -d, the PG* variables are used"

echo "1..$n"
