-- The clustering API surface (extension/parts/50_cluster.sql): three window
-- functions with their signatures, volatility, strictness and parallel safety,
-- their keyed forms (stable ids) and face_cluster_radii.
BEGIN;
SELECT plan(32);

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

-- keyed forms: the same window functions, a cluster named by its smallest key
SELECT function_returns('face_cluster_dbscan', ARRAY['face_embedding', 'double precision', 'integer', 'bigint'], 'bigint');
SELECT function_returns('face_cluster_kmeans', ARRAY['face_embedding', 'integer', 'bigint'], 'bigint');
SELECT function_returns('face_cluster_chinese_whispers', ARRAY['face_embedding', 'double precision', 'bigint'], 'bigint');
SELECT is((SELECT string_agg(DISTINCT concat(prokind, provolatile, proisstrict, proparallel), ',') FROM pg_proc
           WHERE oid IN (to_regprocedure('face_cluster_dbscan(face_embedding, float8, int, bigint)'),
                         to_regprocedure('face_cluster_kmeans(face_embedding, int, bigint)'),
                         to_regprocedure('face_cluster_chinese_whispers(face_embedding, float8, bigint)'))),
          'wifs', 'keyed forms: window, IMMUTABLE, not STRICT, PARALLEL SAFE');
SELECT is((SELECT array_agg(c ORDER BY i) FROM (
               SELECT i, face_cluster_dbscan(e, 0.5, 1, i * 10) OVER (ORDER BY i) AS c
               FROM (VALUES (1, array_fill(1, ARRAY[128])::face_embedding),
                            (2, array_fill(0, ARRAY[128])::face_embedding),
                            (3, NULL::face_embedding),
                            (4, array_fill(1, ARRAY[128])::face_embedding)) v(i, e)) t),
          ARRAY[10, 20, NULL, 10]::bigint[], 'dbscan with a key: a cluster is named by its smallest key');

-- face_cluster_radii(embeddings, radii, method, minpoints)
SELECT is(pg_get_function_arguments(to_regprocedure('face_cluster_radii(face_embedding[], float8[], text, int)')),
          'embeddings face_embedding[], radii double precision[], method text DEFAULT ''chinese_whispers''::text, '
          'minpoints integer DEFAULT 2, OUT radius double precision, OUT clusters integer, '
          'OUT singletons integer, OUT largest integer, OUT mean_size double precision',
          'face_cluster_radii arguments and columns');
SELECT is((SELECT concat(provolatile, proisstrict, proparallel, proretset) FROM pg_proc
           WHERE oid = to_regprocedure('face_cluster_radii(face_embedding[], float8[], text, int)')),
          'itst', 'face_cluster_radii: IMMUTABLE STRICT PARALLEL SAFE, returns a set');
SELECT results_eq($$ SELECT clusters, singletons, largest FROM face_cluster_radii(
                       ARRAY[array_fill(1, ARRAY[128])::face_embedding, array_fill(0, ARRAY[128])::face_embedding,
                             array_fill(1, ARRAY[128])::face_embedding],
                       '{0.5}') $$,
                  $$ VALUES (1, 1, 2) $$, 'face_cluster_radii: one pair, one face alone');

-- no other face_cluster_* function, and every one is documented in \df+
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY p.proname) FROM pg_proc p
           JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
           JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'openface'
           WHERE p.proname LIKE 'face\_cluster\_%'),
          ARRAY['face_cluster_chinese_whispers(face_embedding,double precision)',
                'face_cluster_chinese_whispers(face_embedding,double precision,bigint)',
                'face_cluster_dbscan(face_embedding,double precision,integer)',
                'face_cluster_dbscan(face_embedding,double precision,integer,bigint)',
                'face_cluster_kmeans(face_embedding,integer)',
                'face_cluster_kmeans(face_embedding,integer,bigint)',
                'face_cluster_radii(face_embedding[],double precision[],text,integer)'],
          'the extension has three clustering functions, their keyed forms and face_cluster_radii');
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
