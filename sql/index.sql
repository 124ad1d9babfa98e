-- facegraph index: kNN and radius search against exact answers, filters,
-- inserts after the build, vacuum, options, amvalidate, face_index_check.
-- Data: 250 identities x 8 samples of unit 128-d vectors shaped like face
-- descriptors (same identity ~0.4 apart, different ~1.0: identities share a
-- common direction), generated deterministically in SQL.
SET client_min_messages = warning;

CREATE FUNCTION pg_temp.gauss() RETURNS float8 LANGUAGE sql VOLATILE AS
$$ SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) $$;
CREATE FUNCTION pg_temp.unit(v float8[]) RETURNS face_embedding LANGUAGE sql IMMUTABLE AS
$$ SELECT array_agg(x / (SELECT sqrt(sum(y * y)) FROM unnest(v) y) ORDER BY i)::face_embedding
   FROM unnest(v) WITH ORDINALITY AS u(x, i) $$;
CREATE FUNCTION pg_temp.sample(c float8[], noise float8) RETURNS face_embedding LANGUAGE sql VOLATILE AS
$$ SELECT pg_temp.unit(array_agg(c[j] + noise * pg_temp.gauss() ORDER BY j)) FROM generate_series(1, 128) j $$;

SELECT setseed(0.42);
CREATE TABLE common AS SELECT array_agg(pg_temp.gauss() / sqrt(128)) AS m FROM generate_series(1, 128);
CREATE FUNCTION pg_temp.centre() RETURNS float8[] LANGUAGE sql VOLATILE AS
$$ SELECT array_agg(m[j] + pg_temp.gauss() / sqrt(128) ORDER BY j) FROM common, generate_series(1, 128) j $$;
CREATE TABLE ids AS SELECT i AS pid, pg_temp.centre() AS c FROM generate_series(1, 250) i;
CREATE TABLE faces (id serial PRIMARY KEY, pid int, e face_embedding);
INSERT INTO faces (pid, e) SELECT pid, pg_temp.sample(c, 0.04) FROM ids, generate_series(1, 8) ORDER BY pid;
CREATE TABLE queries AS
  SELECT q AS qid, pid, pg_temp.sample(c, 0.04) AS e FROM ids JOIN generate_series(1, 50) q ON pid = q * 5;
SELECT round(avg(a.e <-> b.e) FILTER (WHERE a.pid = b.pid)::numeric, 1) AS same_identity,
       round(avg(a.e <-> b.e) FILTER (WHERE a.pid <> b.pid)::numeric, 1) AS different
  FROM faces a JOIN faces b ON a.id < b.id AND a.id % 7 = 0;

-- exact answers (sequential scan), then the same through the index
CREATE FUNCTION pg_temp.exact_knn(k int, filter_mod int, filter_rem int) RETURNS TABLE (qid int, id int)
LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = on;
  RETURN QUERY SELECT q.qid, f.id FROM queries q CROSS JOIN LATERAL
    (SELECT faces.id FROM faces WHERE faces.pid % filter_mod = filter_rem ORDER BY faces.e <-> q.e LIMIT k) f;
END $$;
CREATE FUNCTION pg_temp.index_knn(k int, filter_mod int, filter_rem int) RETURNS TABLE (qid int, id int)
LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexscan = on;
  RETURN QUERY SELECT q.qid, f.id FROM queries q CROSS JOIN LATERAL
    (SELECT faces.id FROM faces WHERE faces.pid % filter_mod = filter_rem ORDER BY faces.e <-> q.e LIMIT k) f;
END $$;
-- recall of the index answer against the exact one (ties count as hits)
CREATE FUNCTION pg_temp.recall(k int, filter_mod int, filter_rem int) RETURNS numeric
LANGUAGE sql AS $$
  WITH ex AS (SELECT * FROM pg_temp.exact_knn(k, filter_mod, filter_rem)),
       ix AS (SELECT * FROM pg_temp.index_knn(k, filter_mod, filter_rem)),
       kth AS (SELECT ex.qid, max(f.e <-> q.e) AS d FROM ex JOIN faces f USING (id) JOIN queries q USING (qid) GROUP BY ex.qid)
  SELECT round(count(*) FILTER (WHERE (f.e <-> q.e) <= kth.d)::numeric / (SELECT count(*) FROM ex), 3)
  FROM ix JOIN faces f USING (id) JOIN queries q USING (qid) JOIN kth USING (qid)
$$;

-- bad options
CREATE INDEX ON faces USING facegraph (e) WITH (m = 1);
CREATE INDEX ON faces USING facegraph (e) WITH (m = 100);
CREATE INDEX ON faces USING facegraph (e) WITH (ef_construction = 5);
CREATE INDEX ON faces USING facegraph (e) WITH (m = 32, ef_construction = 20);
CREATE INDEX ON faces USING facegraph (e) WITH (colour = 3);
CREATE INDEX ON faces USING facegraph (pid);

-- one build thread: the same graph on every run
SET openface.build_threads = 1;
CREATE INDEX faces_e ON faces USING facegraph (e) WITH (m = 16, ef_construction = 64);
SELECT * FROM face_index_check('faces_e');
SELECT opcname, amvalidate(c.oid) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
 WHERE amname = 'facegraph' ORDER BY opcname;

SET openface.ef_search = 100;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM faces ORDER BY e <-> (SELECT e FROM queries WHERE qid = 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM faces WHERE e <@ face_sphere((SELECT e FROM queries WHERE qid = 1), 0.6);
RESET enable_seqscan;

-- kNN: recall@10 against the exact scan
SELECT pg_temp.recall(10, 1, 0) >= 0.99 AS knn_recall_ok;
-- rows come back in exact distance order (the executor re-ranks the index's lower bounds)
SET enable_seqscan = off;
SELECT count(*) AS out_of_order FROM (
  SELECT d, lag(d) OVER (PARTITION BY qid ORDER BY rn) AS prev FROM (
    SELECT q.qid, f.d, row_number() OVER () AS rn FROM queries q CROSS JOIN LATERAL
      (SELECT faces.e <-> q.e AS d FROM faces ORDER BY faces.e <-> q.e LIMIT 20) f) s) t
 WHERE d < prev;
RESET enable_seqscan;

-- filtered kNN at 10% and 1% selectivity: the full LIMIT comes back, and the right rows
SET openface.ef_search = 40;
SELECT count(*) = 500 AS full_limit_10pct FROM pg_temp.index_knn(10, 10, 3);
SELECT count(*) = 500 AS full_limit_1pct FROM pg_temp.index_knn(10, 100, 7);
SELECT pg_temp.recall(10, 10, 3) >= 0.95 AS recall_10pct, pg_temp.recall(10, 100, 7) >= 0.95 AS recall_1pct;
-- ... still in exact distance order when the rows come from several batches
-- (ef_search 10, a 10% filter: ~100 rows streamed for 10 kept)
SET openface.ef_search = 10;
SET enable_seqscan = off;
SELECT count(*) AS filtered_out_of_order FROM (
  SELECT d, lag(d) OVER (PARTITION BY qid ORDER BY rn) AS prev FROM (
    SELECT q.qid, f.d, row_number() OVER () AS rn FROM queries q CROSS JOIN LATERAL
      (SELECT faces.e <-> q.e AS d FROM faces WHERE faces.pid % 10 = 3 ORDER BY faces.e <-> q.e LIMIT 10) f) s) t
 WHERE d < prev;
RESET enable_seqscan;
SET openface.ef_search = 40;
-- openface.strict_order = off returns those rows too: higher recall, order not guaranteed
SET openface.strict_order = off;
SELECT pg_temp.recall(10, 10, 3) >= 0.95 AS relaxed_recall_10pct, pg_temp.recall(10, 100, 7) >= 0.95 AS relaxed_recall_1pct;
RESET openface.strict_order;
-- asking for more rows than match returns all that match
SELECT count(*) AS all_matches FROM pg_temp.index_knn(100, 100, 7) WHERE qid = 1;

-- the planner weighs filters: plain kNN and a 10% filter use the index, a
-- 0.4% filter (the executor would stream ~250 rows per row kept) the exact
-- scan.  Cheap element reads make this small table cost like a large one.
ANALYZE faces;
SET random_page_cost = 0.1;
EXPLAIN (COSTS OFF) SELECT id FROM faces ORDER BY e <-> (SELECT e FROM queries WHERE qid = 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM faces WHERE pid <= 25 ORDER BY e <-> (SELECT e FROM queries WHERE qid = 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM faces WHERE pid = 7 ORDER BY e <-> (SELECT e FROM queries WHERE qid = 1) LIMIT 10;
-- without a LIMIT (a cursor, a postgres_fdw shard query) the reader stops early: index
EXPLAIN (COSTS OFF) SELECT id FROM faces ORDER BY e <-> (SELECT e FROM queries WHERE qid = 1);
RESET random_page_cost;

-- radius search: every row within the radius, against the exact count
CREATE FUNCTION pg_temp.radius_counts(r float8, use_index bool) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  IF use_index THEN
    SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
  ELSE
    SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off;
  END IF;
  SELECT count(*) INTO n FROM queries q CROSS JOIN LATERAL
    (SELECT 1 FROM faces WHERE faces.e <@ face_sphere(q.e, r)) f;
  RETURN n;
END $$;
SELECT pg_temp.radius_counts(0.6, false) AS exact_in_radius,
       pg_temp.radius_counts(0.6, true)::numeric / pg_temp.radius_counts(0.6, false) >= 0.99 AS radius_recall_ok,
       pg_temp.radius_counts(1.0, true) = pg_temp.radius_counts(1.0, false) AS wide_radius_equal;

-- face_sphere
SELECT face_sphere_radius(face_sphere(e, 0.5)), face_sphere_center(face_sphere(e, 0.5)) = e AS same_center
  FROM faces WHERE id = 1;
SELECT face_sphere_center(face_sphere(e, 0.5)::text::face_sphere) = e AS center_round_trip,
       face_sphere_radius(face_sphere(e, 0.5)::text::face_sphere) AS radius_round_trip
  FROM faces WHERE id = 1;
SELECT face_sphere(e, -1) FROM faces WHERE id = 1;
SELECT face_sphere(e, 'nan') FROM faces WHERE id = 1;
SELECT '([1,2],0.5'::face_sphere;

-- inserts after the build: 100 new identities
INSERT INTO ids SELECT i, pg_temp.centre() FROM generate_series(251, 350) i;
INSERT INTO faces (pid, e) SELECT pid, pg_temp.sample(c, 0.04) FROM ids, generate_series(1, 8) WHERE pid > 250 ORDER BY pid;
INSERT INTO faces (pid, e) VALUES (0, NULL);
INSERT INTO queries SELECT 1000 + pid, pid, pg_temp.sample(c, 0.04) FROM ids WHERE pid > 250 AND pid % 4 = 0;
SELECT * FROM face_index_check('faces_e');
SET openface.ef_search = 100;
SELECT pg_temp.recall(10, 1, 0) >= 0.99 AS recall_after_inserts;

-- delete 30%, update 10%, vacuum: no dead heap TIDs left, graph whole, recall kept;
-- rows deleted but not yet vacuumed are no problem
DELETE FROM faces WHERE id % 10 IN (1, 4, 7);
SELECT * FROM face_index_check('faces_e');
UPDATE faces SET e = pg_temp.sample((SELECT c FROM ids WHERE ids.pid = faces.pid), 0.04) WHERE id % 10 = 2;
VACUUM faces;
SELECT * FROM face_index_check('faces_e');
SELECT pg_temp.recall(10, 1, 0) >= 0.98 AS recall_after_vacuum;
-- and a second round
DELETE FROM faces WHERE id % 10 = 5;
VACUUM faces;
SELECT * FROM face_index_check('faces_e');
SELECT pg_temp.recall(10, 1, 0) >= 0.98 AS recall_after_second_vacuum;
SELECT pg_temp.recall(10, 10, 3) >= 0.95 AS filtered_recall_after_vacuum;
-- the second VACUUM freed the elements the first one deleted: new rows
-- take their space instead of growing the index
SELECT pg_relation_size('faces_e') AS size_before_reuse \gset
INSERT INTO faces (pid, e) SELECT pid, pg_temp.sample(c, 0.04) FROM ids, generate_series(1, 2) WHERE pid <= 250 ORDER BY pid;
SELECT pg_relation_size('faces_e') = :size_before_reuse AS reused_without_growth;
SELECT * FROM face_index_check('faces_e');
SELECT pg_temp.recall(10, 1, 0) >= 0.98 AS recall_after_reuse;

-- cosine
CREATE INDEX faces_cos ON faces USING facegraph (e face_cosine_ops);
SELECT * FROM face_index_check('faces_cos');
-- a zero embedding has no direction: the cosine index leaves it out, and
-- face_index_check does not count it missing
INSERT INTO faces (pid, e) VALUES (0, array_fill(0, ARRAY[128])::real[]::face_embedding);
SELECT * FROM face_index_check('faces_cos');
DELETE FROM faces WHERE pid = 0 AND e IS NOT NULL;
SET enable_seqscan = off;
SELECT count(*) AS cosine_mismatches FROM queries q,
  LATERAL (SELECT array_agg(id ORDER BY d) a FROM (SELECT id, e <=> q.e d FROM faces ORDER BY e <=> q.e LIMIT 5) s) ix,
  LATERAL (SELECT array_agg(id ORDER BY d) a FROM (SELECT id, l2_distance(l2_normalize(e), l2_normalize(q.e)) d FROM faces ORDER BY 2 LIMIT 5) s) ex
 WHERE ix.a <> ex.a;
RESET enable_seqscan;
DROP INDEX faces_cos;

-- an index built on an empty table, filled by inserts
CREATE TABLE small (id int, e face_embedding);
CREATE INDEX small_e ON small USING facegraph (e);
INSERT INTO small SELECT id, e FROM faces WHERE id <= 400;
SELECT * FROM face_index_check('small_e');
SET enable_seqscan = off;
SELECT count(*) AS small_mismatches FROM queries q,
  LATERAL (SELECT array_agg(id ORDER BY d) a FROM (SELECT id, e <-> q.e d FROM small ORDER BY e <-> q.e LIMIT 5) s) ix,
  LATERAL (SELECT array_agg(id ORDER BY d) a FROM (SELECT id, l2_distance(e, q.e) d FROM small ORDER BY 2 LIMIT 5) s) ex
 WHERE ix.a <> ex.a;
RESET enable_seqscan;

-- a build that outgrows maintenance_work_mem says at the start how much
-- memory it would need, goes on with 8-bit vectors when memory is full, and
-- moves the graph into a temporary file when that is full too (m = 48: big
-- nodes, so 1MB sees all three); it answers as well as the other index
-- (one thread, so the counts of links are the same every run)
SET maintenance_work_mem = '1MB';
SET openface.build_threads = 1;
SET client_min_messages = debug1;
CREATE INDEX faces_small_mem ON faces USING facegraph (e) WITH (m = 48);
SET client_min_messages = warning;
SELECT * FROM face_index_check('faces_small_mem');
BEGIN;
DROP INDEX faces_e;
SELECT pg_temp.recall(10, 1, 0) >= 0.99 AS small_mem_recall_ok;
ROLLBACK;
DROP INDEX faces_small_mem;
-- with no room for that file under temp_file_limit, the graph is written
-- out and the rest of the rows go through the insert path
SET temp_file_limit = '64kB';
SET client_min_messages = debug1;
CREATE INDEX faces_small_mem ON faces USING facegraph (e) WITH (m = 48);
SET client_min_messages = warning;
RESET temp_file_limit;
RESET maintenance_work_mem;
RESET openface.build_threads;
SELECT * FROM face_index_check('faces_small_mem');
BEGIN;
DROP INDEX faces_e;
SELECT pg_temp.recall(10, 1, 0) >= 0.99 AS inserted_rest_recall_ok;
ROLLBACK;
DROP INDEX faces_small_mem;
-- at 2MB the default m's codes hold the whole table (its floats would not):
-- no NOTICE, as nothing slow happens
SET maintenance_work_mem = '2MB';
SET client_min_messages = notice;
CREATE INDEX faces_codes ON faces USING facegraph (e);
SET client_min_messages = warning;
RESET maintenance_work_mem;
BEGIN;
DROP INDEX faces_e;
SELECT pg_temp.recall(10, 1, 0) >= 0.99 AS codes_recall_ok;
ROLLBACK;
DROP INDEX faces_codes;
-- past 10,000 rows (FG_COMPACT_ROWS) the build goes on with 8-bit vectors
-- whatever the memory, and answers as the exact scan does
CREATE TABLE many AS
  SELECT row_number() OVER () AS id, pid, pg_temp.sample(c, 0.04) AS e FROM ids, generate_series(1, 42);
SET openface.build_threads = 1;
SET client_min_messages = debug1;
CREATE INDEX many_e ON many USING facegraph (e);
SET client_min_messages = warning;
RESET openface.build_threads;
SELECT * FROM face_index_check('many_e');
SET enable_seqscan = off;
CREATE TEMP TABLE many_got AS
  SELECT q.qid, x.id FROM queries q CROSS JOIN LATERAL (SELECT id FROM many ORDER BY e <-> q.e LIMIT 10) x;
RESET enable_seqscan;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
CREATE TEMP TABLE many_want AS
  SELECT q.qid, x.id FROM queries q CROSS JOIN LATERAL (SELECT id FROM many ORDER BY e <-> q.e LIMIT 10) x;
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT count(*) AS wanted, count(g.id)::float8 / count(*) >= 0.99 AS many_recall_ok
  FROM many_want w LEFT JOIN many_got g USING (qid, id);
DROP TABLE many, many_got, many_want;

-- scans pin pages through the buffers that last held them (fgrecent.c):
-- repeated identical scans count the same block reads in pg_statio (all
-- hits), and a REINDEX (new file) or a temporary table (local buffers)
-- still answer right
SET enable_seqscan = off;
BEGIN;
SELECT count(*) FROM (SELECT id FROM small ORDER BY e <-> (SELECT e FROM queries WHERE qid = 2) LIMIT 5) s;
SELECT pg_stat_get_xact_blocks_fetched('small_e'::regclass) AS f1 \gset
SELECT count(*) FROM (SELECT id FROM small ORDER BY e <-> (SELECT e FROM queries WHERE qid = 2) LIMIT 5) s;
SELECT pg_stat_get_xact_blocks_fetched('small_e'::regclass) AS f2,
       pg_stat_get_xact_blocks_hit('small_e'::regclass) AS h2 \gset
SELECT count(*) FROM (SELECT id FROM small ORDER BY e <-> (SELECT e FROM queries WHERE qid = 2) LIMIT 5) s;
SELECT pg_stat_get_xact_blocks_fetched('small_e'::regclass) - :f2 = :f2 - :f1 AS fetches_counted,
       pg_stat_get_xact_blocks_hit('small_e'::regclass) - :h2 = :f2 - :f1 AS hits_counted;
COMMIT;
REINDEX INDEX small_e;
CREATE TEMP TABLE small_tmp AS SELECT * FROM small;
CREATE INDEX small_tmp_e ON small_tmp USING facegraph (e);
SELECT count(*) FILTER (WHERE ix.a <> ex.a) AS reindexed_mismatches,
       count(*) FILTER (WHERE tx.a <> ex.a) AS temp_mismatches FROM queries q,
  LATERAL (SELECT array_agg(id ORDER BY d) a FROM (SELECT id, e <-> q.e d FROM small ORDER BY e <-> q.e LIMIT 5) s) ix,
  LATERAL (SELECT array_agg(id ORDER BY d) a FROM (SELECT id, e <-> q.e d FROM small_tmp ORDER BY e <-> q.e LIMIT 5) s) tx,
  LATERAL (SELECT array_agg(id ORDER BY d) a FROM (SELECT id, l2_distance(e, q.e) d FROM small ORDER BY 2 LIMIT 5) s) ex;
EXPLAIN (COSTS OFF) SELECT id FROM small_tmp ORDER BY e <-> (SELECT e FROM queries WHERE qid = 1) LIMIT 5;
RESET enable_seqscan;

-- a row the index should hold but has no element for (inserted while the
-- index was not ready for inserts) is reported; a row it leaves out (NULL)
-- is not; REINDEX CONCURRENTLY (the README's remedy) mends it
UPDATE pg_index SET indisready = false WHERE indexrelid = 'small_e'::regclass;
INSERT INTO small VALUES (100000, (SELECT e FROM faces WHERE e IS NOT NULL ORDER BY id LIMIT 1)), (100001, NULL);
UPDATE pg_index SET indisready = true WHERE indexrelid = 'small_e'::regclass;
SELECT problem, element,
       detail = (SELECT format('heap row %s has no element', ctid) FROM small WHERE id = 100000) AS names_the_row
  FROM face_index_check('small_e');
REINDEX INDEX CONCURRENTLY small_e;
SELECT * FROM face_index_check('small_e');
DELETE FROM small WHERE id >= 100000;

-- churn at the smallest lists (m = 4): after VACUUM every live element is
-- reachable at level 0, where scans stream, and a stream without strict
-- order returns every row exactly once.  (VACUUM and face_index_check used
-- to count upper-level links as a way in, VACUUM's relinking cut elements
-- off as it linked others, and scans did not start from the entry point:
-- with seeds 0.1-0.5 here, 12, 6, 13, 10 and 32 rows no scan returned, and
-- face_index_check reported nothing.)
SELECT setseed(0.3);
CREATE TABLE churn (id serial, e face_embedding);
INSERT INTO churn (e) SELECT pg_temp.sample(c, 0.04) FROM ids, generate_series(1, 12);
CREATE INDEX churn_e ON churn USING facegraph (e) WITH (m = 4, ef_construction = 16);
DELETE FROM churn WHERE random() < 0.3;
VACUUM churn;
INSERT INTO churn (e) SELECT pg_temp.sample(c, 0.04) FROM ids, generate_series(1, 6);
DELETE FROM churn WHERE random() < 0.3;
VACUUM churn;
SELECT * FROM face_index_check('churn_e');
SET enable_seqscan = off;
SET openface.strict_order = off;
SELECT count(*) AS rows_not_streamed_once FROM churn r FULL JOIN
  (SELECT id, count(*) n FROM
     (SELECT id FROM churn ORDER BY e <-> (SELECT e FROM churn ORDER BY id LIMIT 1) LIMIT 100000) s
   GROUP BY id) x USING (id)
 WHERE x.n IS DISTINCT FROM 1 OR r.id IS NULL;
RESET openface.strict_order;
RESET enable_seqscan;
DROP TABLE churn;

SELECT * FROM face_index_check('faces_pkey');
DROP TABLE faces, ids, queries, small, common;
