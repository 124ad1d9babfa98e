-- The clustering API surface (extension/parts/50_cluster.sql): three window
-- functions with their signatures, volatility, strictness and parallel safety.
BEGIN;
SELECT plan(24);

-- face_cluster_dbscan(embedding, eps, minpoints)
SELECT function_returns('face_cluster_dbscan', ARRAY['face_embedding', 'double precision', 'integer'], 'integer');
SELECT is(pg_get_function_arguments(to_regprocedure('face_cluster_dbscan(face_embedding, float8, int)')),
          'embedding face_embedding, eps double precision, minpoints integer', 'face_cluster_dbscan arguments');
SELECT is_window('face_cluster_dbscan', ARRAY['face_embedding', 'double precision', 'integer']);
SELECT volatility_is('face_cluster_dbscan', ARRAY['face_embedding', 'double precision', 'integer'], 'immutable');
-- not STRICT: a NULL embedding is one row of the partition (it gets NULL), not
-- the whole call
SELECT isnt_strict('face_cluster_dbscan', ARRAY['face_embedding', 'double precision', 'integer']);
SELECT is((SELECT proparallel::text FROM pg_proc
           WHERE oid = to_regprocedure('face_cluster_dbscan(face_embedding, float8, int)')), 's',
          'face_cluster_dbscan is PARALLEL SAFE');

-- face_cluster_kmeans(embedding, k)
SELECT function_returns('face_cluster_kmeans', ARRAY['face_embedding', 'integer'], 'integer');
SELECT is(pg_get_function_arguments(to_regprocedure('face_cluster_kmeans(face_embedding, int)')),
          'embedding face_embedding, k integer', 'face_cluster_kmeans arguments');
SELECT is_window('face_cluster_kmeans', ARRAY['face_embedding', 'integer']);
SELECT volatility_is('face_cluster_kmeans', ARRAY['face_embedding', 'integer'], 'immutable');
SELECT isnt_strict('face_cluster_kmeans', ARRAY['face_embedding', 'integer']);
SELECT is((SELECT proparallel::text FROM pg_proc
           WHERE oid = to_regprocedure('face_cluster_kmeans(face_embedding, int)')), 's',
          'face_cluster_kmeans is PARALLEL SAFE');

-- face_cluster_chinese_whispers(embedding, threshold)
SELECT function_returns('face_cluster_chinese_whispers', ARRAY['face_embedding', 'double precision'], 'integer');
SELECT is(pg_get_function_arguments(to_regprocedure('face_cluster_chinese_whispers(face_embedding, float8)')),
          'embedding face_embedding, threshold double precision', 'face_cluster_chinese_whispers arguments');
SELECT is_window('face_cluster_chinese_whispers', ARRAY['face_embedding', 'double precision']);
SELECT volatility_is('face_cluster_chinese_whispers', ARRAY['face_embedding', 'double precision'], 'immutable');
SELECT isnt_strict('face_cluster_chinese_whispers', ARRAY['face_embedding', 'double precision']);
SELECT is((SELECT proparallel::text FROM pg_proc
           WHERE oid = to_regprocedure('face_cluster_chinese_whispers(face_embedding, float8)')), 's',
          'face_cluster_chinese_whispers is PARALLEL SAFE');

-- no other face_cluster_* function, and every one is documented in \df+
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY p.proname) FROM pg_proc p
           JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
           JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'openface'
           WHERE p.proname LIKE 'face\_cluster\_%'),
          ARRAY['face_cluster_chinese_whispers(face_embedding,double precision)',
                'face_cluster_dbscan(face_embedding,double precision,integer)',
                'face_cluster_kmeans(face_embedding,integer)'],
          'the extension has exactly three clustering functions');
SELECT is_empty($$ SELECT p.proname FROM pg_proc p WHERE p.proname LIKE 'face\_cluster\_%'
                     AND obj_description(p.oid, 'pg_proc') IS NULL $$,
                'every clustering function has a comment');

-- behaviour through the API: ids are 0-based, numbered in the order of each
-- cluster's first row; NULL embeddings get NULL; NULL parameters are errors
SELECT is((SELECT array_agg(c ORDER BY i) FROM (
               SELECT i, face_cluster_dbscan(e, 0.5, 1) OVER (ORDER BY i) AS c
               FROM (VALUES (1, array_fill(1, ARRAY[128])::face_embedding),
                            (2, array_fill(0, ARRAY[128])::face_embedding),
                            (3, NULL::face_embedding),
                            (4, array_fill(1, ARRAY[128])::face_embedding)) v(i, e)) t),
          ARRAY[0, 1, NULL, 0], 'dbscan: ids in first-row order, NULL for a NULL embedding');
SELECT throws_ok($$ SELECT face_cluster_dbscan(array_fill(0, ARRAY[128])::face_embedding, NULL, 1) OVER () $$,
                 '22004', 'eps must not be NULL', 'dbscan: a NULL eps is an error');
SELECT throws_ok($$ SELECT face_cluster_kmeans(array_fill(0, ARRAY[128])::face_embedding, NULL) OVER () $$,
                 '22004', 'k must not be NULL', 'kmeans: a NULL k is an error');
SELECT throws_ok($$ SELECT face_cluster_chinese_whispers(array_fill(0, ARRAY[128])::face_embedding, NULL) OVER () $$,
                 '22004', 'threshold must not be NULL', 'chinese whispers: a NULL threshold is an error');

SELECT * FROM finish();
ROLLBACK;
