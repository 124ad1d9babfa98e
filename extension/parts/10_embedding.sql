-- openface: the face_embedding type, its operators and aggregates.
\echo Use "CREATE EXTENSION openface" to load this file. \quit

CREATE TYPE face_embedding;

CREATE FUNCTION face_embedding_in(cstring) RETURNS face_embedding
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_out(face_embedding) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_recv(internal) RETURNS face_embedding
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_send(face_embedding) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- 128 float4 with no varlena header: 512 bytes, never TOASTed.
CREATE TYPE face_embedding (
    INPUT = face_embedding_in,
    OUTPUT = face_embedding_out,
    RECEIVE = face_embedding_recv,
    SEND = face_embedding_send,
    INTERNALLENGTH = 512,
    ALIGNMENT = int4,
    STORAGE = plain
);
COMMENT ON TYPE face_embedding IS '128-d face descriptor (128 float4)';

-- casts
CREATE FUNCTION face_embedding(real[]) RETURNS face_embedding
    AS 'MODULE_PATHNAME', 'face_embedding_from_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding(double precision[]) RETURNS face_embedding
    AS 'MODULE_PATHNAME', 'face_embedding_from_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding(numeric[]) RETURNS face_embedding
    AS 'MODULE_PATHNAME', 'face_embedding_from_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding(integer[]) RETURNS face_embedding
    AS 'MODULE_PATHNAME', 'face_embedding_from_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_to_real_array(face_embedding) RETURNS real[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_to_double_array(face_embedding) RETURNS double precision[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (real[] AS face_embedding) WITH FUNCTION face_embedding(real[]) AS ASSIGNMENT;
CREATE CAST (double precision[] AS face_embedding) WITH FUNCTION face_embedding(double precision[]) AS ASSIGNMENT;
CREATE CAST (numeric[] AS face_embedding) WITH FUNCTION face_embedding(numeric[]) AS ASSIGNMENT;
CREATE CAST (integer[] AS face_embedding) WITH FUNCTION face_embedding(integer[]) AS ASSIGNMENT;
CREATE CAST (face_embedding AS real[]) WITH FUNCTION face_embedding_to_real_array(face_embedding) AS ASSIGNMENT;
CREATE CAST (face_embedding AS double precision[]) WITH FUNCTION face_embedding_to_double_array(face_embedding) AS ASSIGNMENT;

-- distances and vector functions.  COST 10: a distance over 128 floats,
-- detoasting included, adds ~0.3 us to a row of a sequential scan that
-- otherwise costs ~0.26 us (100k rows: 26 ms -> 54-59 ms), which at the
-- planner's scale would be ~40; with the default 1 the planner preferred
-- exact scans 5-35x slower than the index.  10 is the least that keeps
-- radius and filtered queries on the faster plan (sql/plan.sql, fgcost.c),
-- and still lets postgres_fdw ship a shard's LIMIT (it stopped at 20).
CREATE FUNCTION l2_distance(face_embedding, face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION face_l2_squared_distance(face_embedding, face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_l2_squared_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION inner_product(face_embedding, face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION face_negative_inner_product(face_embedding, face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION cosine_distance(face_embedding, face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION l2_norm(face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_l2_norm' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_normalize(face_embedding) RETURNS face_embedding
    AS 'MODULE_PATHNAME', 'face_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR <-> (LEFTARG = face_embedding, RIGHTARG = face_embedding,
    FUNCTION = l2_distance, COMMUTATOR = '<->');
CREATE OPERATOR <=> (LEFTARG = face_embedding, RIGHTARG = face_embedding,
    FUNCTION = cosine_distance, COMMUTATOR = '<=>');
CREATE OPERATOR <#> (LEFTARG = face_embedding, RIGHTARG = face_embedding,
    FUNCTION = face_negative_inner_product, COMMUTATOR = '<#>');

-- comparison: element-wise order, so DISTINCT, GROUP BY and UNIQUE work
CREATE FUNCTION face_embedding_cmp(face_embedding, face_embedding) RETURNS int4
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_eq(face_embedding, face_embedding) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_ne(face_embedding, face_embedding) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_lt(face_embedding, face_embedding) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_le(face_embedding, face_embedding) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_gt(face_embedding, face_embedding) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_ge(face_embedding, face_embedding) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR = (LEFTARG = face_embedding, RIGHTARG = face_embedding, PROCEDURE = face_embedding_eq,
    COMMUTATOR = '=', NEGATOR = '<>', RESTRICT = eqsel, JOIN = eqjoinsel, MERGES);
CREATE OPERATOR <> (LEFTARG = face_embedding, RIGHTARG = face_embedding, PROCEDURE = face_embedding_ne,
    COMMUTATOR = '<>', NEGATOR = '=', RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR < (LEFTARG = face_embedding, RIGHTARG = face_embedding, PROCEDURE = face_embedding_lt,
    COMMUTATOR = '>', NEGATOR = '>=', RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR <= (LEFTARG = face_embedding, RIGHTARG = face_embedding, PROCEDURE = face_embedding_le,
    COMMUTATOR = '>=', NEGATOR = '>', RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR > (LEFTARG = face_embedding, RIGHTARG = face_embedding, PROCEDURE = face_embedding_gt,
    COMMUTATOR = '<', NEGATOR = '<=', RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR >= (LEFTARG = face_embedding, RIGHTARG = face_embedding, PROCEDURE = face_embedding_ge,
    COMMUTATOR = '<=', NEGATOR = '<', RESTRICT = scalargesel, JOIN = scalargejoinsel);

CREATE OPERATOR CLASS face_embedding_btree_ops DEFAULT FOR TYPE face_embedding USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 face_embedding_cmp(face_embedding, face_embedding);

-- aggregates: state is {count, sum_1 .. sum_128} as float8[]
CREATE FUNCTION face_embedding_accum(float8[], face_embedding) RETURNS float8[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_avg_final(float8[]) RETURNS face_embedding
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_sum_final(float8[]) RETURNS face_embedding
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE avg(face_embedding) (
    SFUNC = face_embedding_accum, STYPE = float8[], FINALFUNC = face_embedding_avg_final,
    COMBINEFUNC = face_embedding_combine, INITCOND = '{0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}', PARALLEL = SAFE);
CREATE AGGREGATE sum(face_embedding) (
    SFUNC = face_embedding_accum, STYPE = float8[], FINALFUNC = face_embedding_sum_final,
    COMBINEFUNC = face_embedding_combine, INITCOND = '{0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}', PARALLEL = SAFE);
