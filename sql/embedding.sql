-- face_embedding: I/O, bad input, casts, operators, functions, aggregates.
-- Expected values were checked against numpy (float32 vectors, float64 results).
SET extra_float_digits = 0;

CREATE FUNCTION vec(real[]) RETURNS face_embedding LANGUAGE sql IMMUTABLE
    AS $$ SELECT face_embedding($1) $$;
-- ramp: element i = i/128;  e(k): unit vector on axis k;  c(x): every element x
CREATE FUNCTION ramp() RETURNS face_embedding LANGUAGE sql IMMUTABLE
    AS $$ SELECT vec(array(SELECT (i / 128.0)::real FROM generate_series(1, 128) i)) $$;
CREATE FUNCTION e(k int) RETURNS face_embedding LANGUAGE sql IMMUTABLE
    AS $$ SELECT vec(array(SELECT (i = k)::int::real FROM generate_series(1, 128) i)) $$;
CREATE FUNCTION c(x real) RETURNS face_embedding LANGUAGE sql IMMUTABLE
    AS $$ SELECT vec(array_fill(x, ARRAY[128])) $$;

-- text I/O: output is the shortest text that parses back to the same bits
SELECT c(0.1);
SELECT c(0.1)::text::face_embedding = c(0.1) AS round_trip;
SELECT count(*) AS exact_round_trips FROM (
    SELECT vec(array(SELECT (((i * 7919 + s) % 1000003 / 1000003.0 - 0.5) * 1e-3)::real
                     FROM generate_series(1, 128) i)) AS v
    FROM generate_series(1, 200) s) t
WHERE v::text::face_embedding::real[] = v::real[];
-- whitespace and scientific notation
SELECT (' [ ' || array_to_string(array_fill('1.5e-1'::text, ARRAY[128]), ' ,  ') || ' ] ')::face_embedding = c(0.15) AS spaces_and_exponent;
SELECT pg_column_size(c(1)) AS bytes;

-- bad input: each an ERROR with a clear message, and the session goes on
SELECT ''::face_embedding;
SELECT '   '::face_embedding;
SELECT '1,2,3'::face_embedding;
SELECT '[1,2,3'::face_embedding;
SELECT '[1,2,3]'::face_embedding;
SELECT '[]'::face_embedding;
SELECT '[[1,2]]'::face_embedding;
SELECT '[1,,2]'::face_embedding;
SELECT '[1,2,]'::face_embedding;
SELECT '[1 2]'::face_embedding;
SELECT '[abc]'::face_embedding;
SELECT '[1] x'::face_embedding;
SELECT ('[' || array_to_string(array_fill('1'::text, ARRAY[127]), ',') || ']')::face_embedding;
SELECT ('[' || array_to_string(array_fill('1'::text, ARRAY[129]), ',') || ']')::face_embedding;
SELECT ('[nan,' || array_to_string(array_fill('1'::text, ARRAY[127]), ',') || ']')::face_embedding;
SELECT ('[1,Infinity,' || array_to_string(array_fill('1'::text, ARRAY[126]), ',') || ']')::face_embedding;
SELECT ('[1,-inf,' || array_to_string(array_fill('1'::text, ARRAY[126]), ',') || ']')::face_embedding;
SELECT ('[1e39,' || array_to_string(array_fill('1'::text, ARRAY[127]), ',') || ']')::face_embedding;
SELECT 'still alive' AS session;

-- casts from and to arrays
SELECT (array_fill(2, ARRAY[128]))::face_embedding = c(2) AS from_int;
SELECT (array_fill(0.25::numeric, ARRAY[128]))::face_embedding = c(0.25) AS from_numeric;
SELECT (array_fill(0.25::float8, ARRAY[128]))::face_embedding = c(0.25) AS from_double;
SELECT (ramp()::real[])[1:3] AS to_real, (ramp()::float8[])[128] AS to_double_last;
SELECT array_fill(1::real, ARRAY[127])::face_embedding;
SELECT array_fill(1::real, ARRAY[2, 64])::face_embedding;
SELECT (array_fill(1::real, ARRAY[127]) || NULL::real)::face_embedding;
SELECT (array_fill(1::real, ARRAY[127]) || 'NaN'::real)::face_embedding;
SELECT (array_fill(1::float8, ARRAY[127]) || 1e39::float8)::face_embedding;
SELECT (array_fill(1::float8, ARRAY[127]) || '-Infinity'::float8)::face_embedding;
SELECT (array_fill(1::numeric, ARRAY[127]) || 'NaN'::numeric)::face_embedding;

-- distances (numpy: see comments)
SELECT e(1) <-> e(2) AS l2_sqrt2,                      -- 1.4142135623730951
       ramp() <-> c(0) AS l2_ramp_norm,                 -- 6.570233538467259
       l2_distance(ramp(), e(128)) AS l2_ramp_e128,     -- 6.493686837998888
       face_l2_squared_distance(e(1), c(1)) AS l2sq;    -- 127
SELECT inner_product(ramp(), c(1)) AS ip_ramp_ones,     -- 64.5
       ramp() <#> c(1) AS neg_ip,                       -- -64.5
       e(3) <=> e(4) AS cos_orthogonal,                 -- 1
       c(1) <=> c(2) AS cos_parallel,                   -- 0
       c(1) <=> c(-1) AS cos_opposite,                  -- 2
       cosine_distance(ramp(), c(1)) AS cos_ramp_ones;  -- 0.13229135769099143
SELECT c(0) <=> c(1) AS cos_zero_vector_is_nan;
SELECT l2_norm(ramp()) AS norm_ramp, l2_norm(c(0)) AS norm_zero;  -- 6.570233538467259, 0
SELECT round(l2_norm(l2_normalize(ramp()))::numeric, 6) AS unit,
       l2_normalize(c(0)) = c(0) AS zero_stays_zero,
       (l2_normalize(c(3))::real[])[1] AS normalized_element; -- 1/sqrt(128) = 0.0883883
SELECT e(1) = e(1) AS eq, e(1) = e(2) AS eq2, e(1) <> e(2) AS ne, e(2) < e(1) AS lt;

-- NULL in, NULL out
SELECT NULL::face_embedding <-> e(1) AS null_distance, l2_norm(NULL) AS null_norm;

-- aggregates
CREATE TABLE agg (g int, v face_embedding);
INSERT INTO agg SELECT i % 2, c(i::real) FROM generate_series(1, 10) i;
INSERT INTO agg VALUES (0, NULL);
SELECT g, (avg(v)::real[])[1] AS avg1, (sum(v)::real[])[128] AS sum128, count(v)
FROM agg GROUP BY g ORDER BY g;
SELECT avg(v) IS NULL AS avg_of_nothing, sum(v) IS NULL AS sum_of_nothing FROM agg WHERE false;
SELECT (sum(v)::real[])[1] AS overflow FROM (SELECT c(3e38) v UNION ALL SELECT c(3e38)) t;
-- combine function under a forced parallel plan
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE big AS SELECT i, c((i % 100)::real) v FROM generate_series(1, 20000) i;
ANALYZE big;
EXPLAIN (COSTS OFF) SELECT avg(v) FROM big;
SELECT (avg(v)::real[])[1] AS parallel_avg FROM big;  -- mean of 0..99 = 49.5
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- nearest neighbours by exact scan
CREATE TABLE pts (id int, v face_embedding);
INSERT INTO pts SELECT i, c((i / 10.0)::real) FROM generate_series(-20, 20) i;
-- numpy: ids 3, 4, 2 at 0.3394, 0.7920, 1.4708
SELECT id, round((v <-> c(0.33))::numeric, 4) AS d FROM pts ORDER BY v <-> c(0.33) LIMIT 3;
SELECT DISTINCT v = c(0) AS is_zero FROM pts WHERE id = 0;

DROP TABLE agg, big, pts;
DROP FUNCTION vec(real[]), ramp(), e(int), c(real);
