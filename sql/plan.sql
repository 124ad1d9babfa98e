-- The planner's choices for facegraph: the natural radius query
-- "WHERE emb <-> q < r ORDER BY emb <-> q LIMIT n" gets the index's sphere
-- condition (fgplan.c) instead of streaming the whole index, and radius and
-- filtered queries keep the faster plan.  Each plan below was checked against
-- the timing of the other plan on this data (numbers in fgplan.c and
-- fgcost.c; 100k-row figures in the README).
-- Data: 2,500 identities x 8 faces, unit 128-d vectors (same identity ~0.4
-- apart, different ~1.0), generated deterministically in SQL.
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.17);
CREATE TABLE centres AS
  SELECT i AS pid, array_agg(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS c
  FROM generate_series(1, 2500) i, generate_series(1, 128) GROUP BY i;
CREATE TABLE faces AS
  SELECT row_number() OVER () AS id, pid, l2_normalize(face_embedding(array(
           SELECT x + 0.035 * sqrt(128) * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
           FROM unnest(c) x WHERE s > 0))) AS e
  FROM centres, generate_series(1, 8) s;
ALTER TABLE faces ADD COLUMN f int;
UPDATE faces SET f = id % 1000;
CREATE INDEX faces_fg ON faces USING facegraph (e);
VACUUM ANALYZE faces;
CREATE TABLE q AS SELECT e FROM faces WHERE id = 4242;
SELECT e AS v FROM q \gset
-- Generic plans of prepared statements show $1 where the embedding goes.
SET plan_cache_mode = force_generic_plan;

-- The natural query: the same rows as the exact answer, through the sphere.
PREPARE near(face_embedding) AS
  SELECT id FROM faces WHERE e <-> $1 < 0.6 ORDER BY e <-> $1 LIMIT 50;
EXPLAIN (COSTS OFF) EXECUTE near(:'v');
-- Also with the query embeddings in a table, through LATERAL.
EXPLAIN (COSTS OFF)
  SELECT n.* FROM q, LATERAL (SELECT id FROM faces WHERE e <-> q.e < 0.6 ORDER BY e <-> q.e LIMIT 50) n;
CREATE TABLE via_index AS SELECT n.* FROM q, LATERAL (SELECT id FROM faces WHERE e <-> q.e < 0.6 ORDER BY e <-> q.e LIMIT 50) n;
SET enable_indexscan = off;
CREATE TABLE exact AS SELECT n.* FROM q, LATERAL (SELECT id FROM faces WHERE e <-> q.e < 0.6 ORDER BY e <-> q.e LIMIT 50) n;
RESET enable_indexscan;
SELECT (SELECT count(*) FROM exact) AS inside, (SELECT array_agg(id) FROM via_index) = (SELECT array_agg(id) FROM exact) AS same_rows;

-- The same condition written other ways is recognised too ...
PREPARE mirrored(face_embedding) AS SELECT id FROM faces WHERE 0.6 > e <-> $1 ORDER BY e <-> $1 LIMIT 5;
EXPLAIN (COSTS OFF) EXECUTE mirrored(:'v');
PREPARE commuted(face_embedding) AS SELECT id FROM faces WHERE $1 <-> e <= 0.6 ORDER BY e <-> $1 LIMIT 5;
EXPLAIN (COSTS OFF) EXECUTE commuted(:'v');
-- ... but not a radius face_sphere cannot hold (left to the filter), nor a
-- condition on another centre than the ORDER BY's.
PREPARE negative(face_embedding) AS SELECT id FROM faces WHERE e <-> $1 < -1 ORDER BY e <-> $1 LIMIT 5;
EXPLAIN (COSTS OFF) EXECUTE negative(:'v');
EXECUTE negative(:'v');
PREPARE nan(face_embedding) AS SELECT id FROM faces WHERE e <-> $1 < 'NaN' ORDER BY e <-> $1 LIMIT 5;
EXPLAIN (COSTS OFF) EXECUTE nan(:'v');
-- NaN is above every number in PostgreSQL: every row qualifies.
EXECUTE nan(:'v') \g /dev/null
SELECT count(*) FROM faces WHERE e <-> :'v' < 'NaN';
PREPARE other(face_embedding, face_embedding) AS SELECT id FROM faces WHERE e <-> $2 < 0.6 ORDER BY e <-> $1 LIMIT 5;
EXPLAIN (COSTS OFF) EXECUTE other(:'v', :'v');

-- Radius queries at the default ef_search (128) use the index, 1.7x as fast
-- as the sequential scan on this 20k-row table (1.27 vs 2.14 ms a query over
-- 100 queries, measured); at twice the default the two take the same time
-- (2.10 vs 2.14 ms) and the planner picks the sequential scan.
PREPARE sphere(face_embedding) AS SELECT id FROM faces WHERE e <@ face_sphere($1, 0.6);
EXPLAIN (COSTS OFF) EXECUTE sphere(:'v');
SET openface.ef_search = 256;
DEALLOCATE sphere;  -- a cached plan would not see the setting
PREPARE sphere(face_embedding) AS SELECT id FROM faces WHERE e <@ face_sphere($1, 0.6);
EXPLAIN (COSTS OFF) EXECUTE sphere(:'v');
RESET openface.ef_search;

-- Filtered kNN: the exact scan for selective filters, the index for the rest.
CREATE FUNCTION pg_temp.scan_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || sql LOOP
    IF l ~ 'Scan on faces|Scan using faces' THEN RETURN substring(l FROM '(Index Scan|Seq Scan)'); END IF;
  END LOOP;
  RETURN NULL;
END $$;
SELECT round(permille / 10.0, 1) AS pct, pg_temp.scan_of(format('SELECT id FROM faces WHERE f < %s ORDER BY e <-> %L LIMIT 10', permille, e))
  FROM q, (VALUES (1), (10), (20), (100), (500)) v(permille);

-- Leave the database as found.
DEALLOCATE ALL;
DROP TABLE faces, centres, q, via_index, exact;
