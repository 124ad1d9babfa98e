-- facegraph on a partitioned table: one index per partition, and ordered
-- index scans merged into the true top k.
SELECT setseed(0.31);
CREATE TABLE pfaces (id int, person int, embedding face_embedding) PARTITION BY HASH (id);
CREATE TABLE pfaces_0 PARTITION OF pfaces FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE pfaces_1 PARTITION OF pfaces FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE pfaces_2 PARTITION OF pfaces FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE pfaces_3 PARTITION OF pfaces FOR VALUES WITH (MODULUS 4, REMAINDER 3);
-- 300 people x 8 face-like embeddings
CREATE TEMP TABLE centre AS
SELECT p, l2_normalize(face_embedding(array(
    SELECT (sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
    FROM generate_series(1, 128) WHERE p > 0))) AS c FROM generate_series(1, 300) p;
INSERT INTO pfaces
SELECT row_number() OVER (ORDER BY p, s), p, l2_normalize(face_embedding(array(
    SELECT (x + 0.03 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
    FROM unnest(c::real[]) x WHERE s > 0)))
FROM centre, generate_series(1, 8) s;
SET openface.build_threads = 1;
CREATE INDEX pfaces_emb ON pfaces USING facegraph (embedding);
ANALYZE pfaces;
-- one index per partition
SELECT c.relname, i.indexrelid::regclass::text LIKE 'pfaces_%_embedding_idx' AS has_index
FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
JOIN pg_index i ON i.indrelid = c.oid WHERE h.inhparent = 'pfaces'::regclass ORDER BY 1;

-- the query: a new face of person 42
CREATE TEMP TABLE q AS
SELECT l2_normalize(face_embedding(array(
    SELECT (x + 0.03 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
    FROM unnest(c::real[]) x))) AS q FROM centre WHERE p = 42;
SELECT q AS query FROM q \gset

SET enable_seqscan = off;
SET openface.ef_search = 200;
SET plan_cache_mode = force_generic_plan;
PREPARE knn(face_embedding) AS SELECT id FROM pfaces ORDER BY embedding <-> $1 LIMIT 10;
EXPLAIN (COSTS OFF) EXECUTE knn(:'query');
RESET plan_cache_mode;
-- index answer equals the exact answer
CREATE TEMP TABLE by_index AS SELECT id FROM pfaces ORDER BY embedding <-> :'query' LIMIT 10;
RESET enable_seqscan;
SET enable_indexscan = off; SET enable_bitmapscan = off;
CREATE TEMP TABLE exact AS SELECT id FROM pfaces ORDER BY embedding <-> :'query' LIMIT 10;
RESET enable_indexscan; RESET enable_bitmapscan;
SELECT count(*) AS found_of_10 FROM by_index JOIN exact USING (id);
SELECT count(*) AS of_person_42 FROM by_index JOIN pfaces USING (id) WHERE person = 42;

-- a filter and a radius per partition
SET enable_seqscan = off;
SELECT count(*) AS filtered FROM (
    SELECT id FROM pfaces WHERE person % 10 = 3 ORDER BY embedding <-> :'query' LIMIT 10) t;
SELECT count(*) AS within_radius FROM pfaces WHERE embedding <@ face_sphere(:'query', 0.6);
RESET enable_seqscan;
SELECT count(*) AS within_radius_exact FROM pfaces WHERE embedding <-> :'query' < 0.6;

-- a partition attached without an index gets one built
ALTER TABLE pfaces DETACH PARTITION pfaces_3;
DROP INDEX pfaces_3_embedding_idx;
ALTER TABLE pfaces ATTACH PARTITION pfaces_3 FOR VALUES WITH (MODULUS 4, REMAINDER 3);
SELECT count(*) AS indexes FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indrelid
WHERE h.inhparent = 'pfaces'::regclass;
SELECT count(*) AS check_problems FROM pg_inherits h JOIN pg_index i ON i.indrelid = h.inhrelid,
    LATERAL face_index_check(i.indexrelid::regclass) WHERE h.inhparent = 'pfaces'::regclass;
DROP TABLE pfaces;
