-- The face_embedding API surface: type, casts, operators, functions with
-- their signatures, volatility, strictness and parallel safety.
BEGIN;
SELECT plan(51);

SELECT has_type('face_embedding');
SELECT is((SELECT typlen::int FROM pg_type WHERE typname = 'face_embedding'), 512,
          'face_embedding is fixed-length, 512 bytes');
SELECT is((SELECT typstorage::text FROM pg_type WHERE typname = 'face_embedding'), 'p',
          'face_embedding is never TOASTed');

SELECT has_cast('real[]', 'face_embedding');
SELECT has_cast('double precision[]', 'face_embedding');
SELECT has_cast('numeric[]', 'face_embedding');
SELECT has_cast('integer[]', 'face_embedding');
SELECT has_cast('face_embedding', 'real[]');
SELECT has_cast('face_embedding', 'double precision[]');

SELECT has_operator('face_embedding', '<->', 'face_embedding', 'double precision');
SELECT has_operator('face_embedding', '<=>', 'face_embedding', 'double precision');
SELECT has_operator('face_embedding', '<#>', 'face_embedding', 'double precision');
SELECT has_operator('face_embedding', '=', 'face_embedding', 'boolean');
SELECT has_operator('face_embedding', '<>', 'face_embedding', 'boolean');

SELECT function_returns('l2_distance', ARRAY['face_embedding', 'face_embedding'], 'double precision');
SELECT function_returns('cosine_distance', ARRAY['face_embedding', 'face_embedding'], 'double precision');
SELECT function_returns('inner_product', ARRAY['face_embedding', 'face_embedding'], 'double precision');
SELECT function_returns('l2_norm', ARRAY['face_embedding'], 'double precision');
SELECT function_returns('l2_normalize', ARRAY['face_embedding'], 'face_embedding');

SELECT volatility_is('l2_distance', ARRAY['face_embedding', 'face_embedding'], 'immutable');
SELECT volatility_is('cosine_distance', ARRAY['face_embedding', 'face_embedding'], 'immutable');
SELECT volatility_is('inner_product', ARRAY['face_embedding', 'face_embedding'], 'immutable');
SELECT volatility_is('l2_norm', ARRAY['face_embedding'], 'immutable');
SELECT volatility_is('l2_normalize', ARRAY['face_embedding'], 'immutable');
SELECT volatility_is('face_embedding_in', ARRAY['cstring'], 'immutable');
SELECT volatility_is('face_embedding_out', ARRAY['face_embedding'], 'immutable');

SELECT is_strict('l2_distance', ARRAY['face_embedding', 'face_embedding']);
SELECT is_strict('cosine_distance', ARRAY['face_embedding', 'face_embedding']);
SELECT is_strict('inner_product', ARRAY['face_embedding', 'face_embedding']);
SELECT is_strict('l2_norm', ARRAY['face_embedding']);
SELECT is_strict('l2_normalize', ARRAY['face_embedding']);

SELECT is_aggregate('avg', ARRAY['face_embedding']);
SELECT is_aggregate('sum', ARRAY['face_embedding']);
SELECT function_returns('avg', ARRAY['face_embedding'], 'face_embedding');
SELECT function_returns('sum', ARRAY['face_embedding'], 'face_embedding');
SELECT isnt((SELECT aggcombinefn::text FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
             WHERE p.proname = 'avg' AND p.proargtypes[0] = 'face_embedding'::regtype), '-',
            'avg(face_embedding) has a combine function');
SELECT isnt((SELECT aggcombinefn::text FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
             WHERE p.proname = 'sum' AND p.proargtypes[0] = 'face_embedding'::regtype), '-',
            'sum(face_embedding) has a combine function');

-- every function of the extension is parallel safe, and every C function that
-- is immutable is also strict (a NULL never reaches C code by accident)
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
    JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'openface'
    WHERE p.proname LIKE ANY (ARRAY['face_embedding%', 'l2_%', 'cosine_distance', 'inner_product',
                                    'face_l2_%', 'face_negative_inner_product'])
      AND p.proparallel <> 's' $$,
    'face_embedding functions are all PARALLEL SAFE');
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
    JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'openface'
    WHERE p.proname LIKE ANY (ARRAY['face_embedding%', 'l2_%', 'cosine_distance', 'inner_product',
                                    'face_l2_%', 'face_negative_inner_product'])
      AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
      AND NOT p.proisstrict $$,
    'face_embedding C functions are all STRICT');

-- behaviour through the API
SELECT is(('[' || array_to_string(array_fill(0.5::real, ARRAY[128]), ',') || ']')::face_embedding::text,
          '[' || array_to_string(array_fill('0.5'::text, ARRAY[128]), ',') || ']', 'text output');
SELECT throws_ok($$ SELECT '[1,2]'::face_embedding $$, '22000',
                 'face_embedding must have 128 dimensions, not 2', 'wrong dimension: 22000');
SELECT throws_ok($$ SELECT '[1,2'::face_embedding $$, '22P02', NULL, 'missing bracket: 22P02');
SELECT throws_ok($$ SELECT ('[nan' || repeat(',1', 127) || ']')::face_embedding $$, '22000', NULL,
                 'NaN: class 22');
SELECT throws_ok($$ SELECT ('[1e39' || repeat(',1', 127) || ']')::face_embedding $$, '22003', NULL,
                 'out of range: 22003');
SELECT throws_ok($$ SELECT (array_fill(1::real, ARRAY[127]) || NULL::real)::face_embedding $$, '22004', NULL,
                 'NULL element: 22004');
SELECT is((array_fill(3, ARRAY[128])::face_embedding <-> array_fill(0, ARRAY[128])::face_embedding),
          sqrt(9 * 128)::float8, '<-> is the Euclidean distance');
SELECT is((array_fill(1, ARRAY[128])::face_embedding <#> array_fill(2, ARRAY[128])::face_embedding),
          -256::float8, '<#> is the negative inner product');
SELECT is((array_fill(1, ARRAY[128])::face_embedding <=> array_fill(-1, ARRAY[128])::face_embedding),
          2::float8, '<=> is the cosine distance');
SELECT is(pg_column_size(array_fill(1, ARRAY[128])::face_embedding), 512, 'a value occupies 512 bytes');
SELECT ok((SELECT count(*) = 1 FROM pg_extension WHERE extname = 'openface'), 'extension is listed by \dx');
SELECT is((SELECT obj_description('face_embedding'::regtype, 'pg_type')), '128-d face descriptor (128 float4)',
          '\dT shows a description');

SELECT * FROM finish();
ROLLBACK;
