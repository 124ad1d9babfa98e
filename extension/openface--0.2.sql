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

-- distances and vector functions
CREATE FUNCTION l2_distance(face_embedding, face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_l2_squared_distance(face_embedding, face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_l2_squared_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION inner_product(face_embedding, face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_negative_inner_product(face_embedding, face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cosine_distance(face_embedding, face_embedding) RETURNS float8
    AS 'MODULE_PATHNAME', 'face_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
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
-- Photos to faces.  STABLE, not IMMUTABLE: the results follow the openface.*
-- settings (mode, detector size, score threshold).

CREATE FUNCTION face_embed(image bytea) RETURNS face_embedding
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION face_embed(bytea) IS
    'descriptor of the most prominent face (largest box area x score) in a JPEG/PNG, NULL if none';

CREATE FUNCTION face_embed_all(image bytea,
        OUT face int, OUT box int4[], OUT score real, OUT embedding face_embedding)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000 ROWS 2;
COMMENT ON FUNCTION face_embed_all(bytea) IS
    'every face: number (1 = highest score), box {x,y,w,h} in pixels, score, descriptor';

CREATE FUNCTION face_detect(image bytea,
        OUT face int, OUT box int4[], OUT score real, OUT landmarks point[])
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 5000 ROWS 2;
COMMENT ON FUNCTION face_detect(bytea) IS
    'every face: number, box {x,y,w,h}, score and the 68 landmarks (iBUG 300-W order) in pixels';

CREATE FUNCTION face_chip(image bytea, face int DEFAULT 1) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION face_chip(bytea, int) IS
    'the aligned 150x150 face that was embedded, as PNG (NULL if there is no such face)';
-- openface: the facegraph index access method (approximate nearest neighbours
-- over face_embedding), its operator classes, radius search and checker.

CREATE FUNCTION face_fg_handler(internal) RETURNS index_am_handler
    AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE ACCESS METHOD facegraph TYPE INDEX HANDLER face_fg_handler;
COMMENT ON ACCESS METHOD facegraph IS 'navigable graph index for face_embedding nearest-neighbour search';

-- radius search: embedding <@ face_sphere(center, radius)
CREATE TYPE face_sphere;
CREATE FUNCTION face_sphere_in(cstring) RETURNS face_sphere
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_sphere_out(face_sphere) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE face_sphere (
    INPUT = face_sphere_in,
    OUTPUT = face_sphere_out,
    INTERNALLENGTH = 516,
    ALIGNMENT = int4,
    STORAGE = plain
);
COMMENT ON TYPE face_sphere IS 'a face_embedding centre and an L2 radius, for radius search';

CREATE FUNCTION face_sphere(face_embedding, float8) RETURNS face_sphere
    AS 'MODULE_PATHNAME', 'face_sphere_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_sphere_center(face_sphere) RETURNS face_embedding
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_sphere_radius(face_sphere) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_sphere_contains(face_embedding, face_sphere) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR <@ (LEFTARG = face_embedding, RIGHTARG = face_sphere,
    FUNCTION = face_sphere_contains, RESTRICT = contsel, JOIN = contjoinsel);

-- support function 1: which metric the graph is built for
CREATE FUNCTION face_fg_metric_l2(internal) RETURNS int4
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_fg_metric_cosine(internal) RETURNS int4
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR CLASS face_l2_ops DEFAULT FOR TYPE face_embedding USING facegraph AS
    OPERATOR 1 <-> (face_embedding, face_embedding) FOR ORDER BY float_ops,
    OPERATOR 2 <@ (face_embedding, face_sphere),
    FUNCTION 1 face_fg_metric_l2(internal);

CREATE OPERATOR CLASS face_cosine_ops FOR TYPE face_embedding USING facegraph AS
    OPERATOR 1 <=> (face_embedding, face_embedding) FOR ORDER BY float_ops,
    FUNCTION 1 face_fg_metric_cosine(internal);

-- structural problems of a facegraph index; no rows = healthy
CREATE FUNCTION face_index_check(index regclass,
    OUT problem text, OUT element tid, OUT detail text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
-- Like amcheck's functions: it reads every page of any index it is given, so
-- only roles a superuser grants it to may run it.
REVOKE ALL ON FUNCTION face_index_check(regclass) FROM PUBLIC;
-- Per-table linear SVM with open-set rejection (src/pg/svm.c, src/core/svm/).
-- Rejection defaults measured on LFW View 1 (src/core/svm/svm.h): a face is a
-- stranger (NULL) when it is farther than 0.5 from every stored face of the
-- best class, or that class's calibrated probability is below 0.2.

-- One model per source table.  "source" is a regclass: stored as an OID, so
-- the model follows a rename, and dumped by qualified name, so pg_restore
-- attaches it to the restored table.  Dropping the table drops the model
-- (event trigger below).  It holds training embeddings (biometric data):
-- besides the extension owner, only each table's owner sees its model (the
-- policy below); see face_svm_models for what other users may see.
-- model_id is random, new at every training: the backends' cache key.
CREATE TABLE face_svm_model (
    source            regclass PRIMARY KEY,
    label_column      text NOT NULL,
    embedding_column  text NOT NULL,
    labels            text[] NOT NULL,        -- class k is labels[k + 1]
    model             bytea NOT NULL,         -- src/core/svm/ serialised form
    samples           bigint NOT NULL,
    c                 double precision NOT NULL,
    model_id          uuid NOT NULL,
    trained_at        timestamptz NOT NULL DEFAULT now()
);
-- float data does not compress: skip the attempt
ALTER TABLE face_svm_model ALTER COLUMN model SET STORAGE EXTERNAL;
REVOKE ALL ON face_svm_model FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('face_svm_model', '');

-- Each table's owner may read and restore (INSERT) its model, and nobody
-- else: a non-superuser can then dump and restore the models of the tables
-- they own (pg_dump --enable-row-security), and learns nothing they could
-- not read from their own tables.
ALTER TABLE face_svm_model ENABLE ROW LEVEL SECURITY;
CREATE POLICY face_svm_model_table_owner ON face_svm_model
    USING (pg_catalog.pg_has_role((SELECT relowner FROM pg_catalog.pg_class
                                    WHERE oid OPERATOR(pg_catalog.=) source::pg_catalog.oid),
                                  'USAGE'));
GRANT SELECT, INSERT ON face_svm_model TO PUBLIC;

-- The models each user may predict with (src/pg/svm.c): tables they can read
-- whole, i.e. with SELECT and not limited by row-level security, or own.
CREATE VIEW face_svm_models WITH (security_barrier) AS
    SELECT source, label_column, embedding_column,
           pg_catalog.cardinality(labels) AS classes, samples, c, trained_at
      FROM face_svm_model
     WHERE pg_catalog.has_table_privilege(source::pg_catalog.oid, 'SELECT')
       AND (NOT pg_catalog.row_security_active(source)
            OR pg_catalog.pg_has_role((SELECT relowner FROM pg_catalog.pg_class
                                        WHERE oid OPERATOR(pg_catalog.=) source::pg_catalog.oid),
                                      'USAGE'));
GRANT SELECT ON face_svm_models TO PUBLIC;

CREATE FUNCTION face_svm_train(
    source regclass,
    label_column text,
    embedding_column text DEFAULT 'embedding',
    c double precision DEFAULT 1.0,
    max_distance double precision DEFAULT 0.5,
    min_probability double precision DEFAULT 0.2,
    min_margin double precision DEFAULT NULL,
    max_exemplars integer DEFAULT 64,
    OUT classes integer,
    OUT samples bigint,
    OUT skipped bigint,
    OUT training_ms double precision,
    OUT training_accuracy double precision)
    AS 'MODULE_PATHNAME', 'face_svm_train' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION face_svm_train(regclass, text, text, double precision, double precision,
    double precision, double precision, integer) IS
    'train (or retrain) the table''s one-vs-rest linear SVM; the thresholds (NULL = test off) become the model''s rejection defaults';

CREATE FUNCTION face_svm_predict(
    source regclass,
    embedding face_embedding,
    max_distance double precision DEFAULT NULL,
    min_probability double precision DEFAULT NULL,
    min_margin double precision DEFAULT NULL)
    RETURNS text
    AS 'MODULE_PATHNAME', 'face_svm_predict' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION face_svm_predict(regclass, face_embedding, double precision,
    double precision, double precision) IS
    'label of the best class, or NULL for a stranger; NULL thresholds use the model''s';

CREATE FUNCTION face_svm_scores(
    source regclass,
    embedding face_embedding,
    OUT label text,
    OUT score double precision,
    OUT probability double precision,
    OUT distance double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'face_svm_scores' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION face_svm_scores(regclass, face_embedding) IS
    'every class: SVM score, calibrated probability, distance to its nearest exemplar; best first';

CREATE FUNCTION face_svm_drop(source regclass) RETURNS boolean
    AS 'MODULE_PATHNAME', 'face_svm_drop' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION face_svm_drop(regclass) IS 'remove the table''s SVM model; true if there was one';

CREATE FUNCTION face_svm_drop_trigger() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'face_svm_drop_trigger' LANGUAGE C;
CREATE EVENT TRIGGER face_svm_drop ON sql_drop
    EXECUTE FUNCTION face_svm_drop_trigger();
-- Clustering window functions (src/pg/cluster.c, src/core/cluster.c).
-- Computed once per window partition; ids are 0-based, dense, numbered in
-- the order of each cluster's first row (put an ORDER BY in OVER (...) to fix
-- them); NULL embeddings give NULL.  A cluster's centre is avg(embedding)
-- over its rows (the face_embedding avg aggregate).

CREATE FUNCTION face_cluster_dbscan(embedding face_embedding, eps double precision, minpoints integer)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'face_cluster_dbscan' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION face_cluster_dbscan(face_embedding, double precision, integer) IS
    'DBSCAN over the window partition: rows within eps (L2) are neighbours; minpoints counts the row itself; NULL for noise';

CREATE FUNCTION face_cluster_kmeans(embedding face_embedding, k integer)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'face_cluster_kmeans' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION face_cluster_kmeans(face_embedding, integer) IS
    'k-means (greedy k-means++ seeding, fixed seed) over the window partition; error if it has fewer than k non-NULL rows';

CREATE FUNCTION face_cluster_chinese_whispers(embedding face_embedding, threshold double precision)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'face_cluster_chinese_whispers' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION face_cluster_chinese_whispers(face_embedding, double precision) IS
    'chinese whispers graph clustering over the window partition; rows within threshold (L2) are linked; loners are their own clusters';
-- Triggers that fill embeddings from photos (see src/pg/trigger.c).
CREATE FUNCTION face_embed_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON FUNCTION face_embed_trigger() IS
    'BEFORE INSERT OR UPDATE row trigger: (image_column, embedding_column [, ''null''|''error''|''skip''])';
CREATE FUNCTION face_extract_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON FUNCTION face_extract_trigger() IS
    'AFTER INSERT row trigger: (image_column, target_table [, key_column]); target has (source, face, box, score, embedding)';
-- Descriptions (\df+, \do+) of every function and operator that does not
-- carry one beside its declaration.  Also appended to each upgrade script
-- (COMMENT is idempotent), so updated installations read the same.

COMMENT ON FUNCTION face_embedding_in(cstring) IS 'text input: [x1,...,x128]';
COMMENT ON FUNCTION face_embedding_out(face_embedding) IS 'text output: shortest digits that read back to the same bits';
COMMENT ON FUNCTION face_embedding_recv(internal) IS 'binary input: 128 big-endian float4';
COMMENT ON FUNCTION face_embedding_send(face_embedding) IS 'binary output: 128 big-endian float4';
COMMENT ON FUNCTION face_embedding(real[]) IS 'cast from a 1-d array of 128 finite values';
COMMENT ON FUNCTION face_embedding(double precision[]) IS 'cast from a 1-d array of 128 finite values';
COMMENT ON FUNCTION face_embedding(numeric[]) IS 'cast from a 1-d array of 128 finite values';
COMMENT ON FUNCTION face_embedding(integer[]) IS 'cast from a 1-d array of 128 values';
COMMENT ON FUNCTION face_embedding_to_real_array(face_embedding) IS 'cast to real[128]';
COMMENT ON FUNCTION face_embedding_to_double_array(face_embedding) IS 'cast to double precision[128]';
COMMENT ON FUNCTION l2_distance(face_embedding, face_embedding) IS 'Euclidean distance (operator <->)';
COMMENT ON FUNCTION face_l2_squared_distance(face_embedding, face_embedding) IS 'squared Euclidean distance: cheaper, same order';
COMMENT ON FUNCTION inner_product(face_embedding, face_embedding) IS 'inner product (operator <#> is its negation)';
COMMENT ON FUNCTION face_negative_inner_product(face_embedding, face_embedding) IS 'negative inner product (operator <#>), smaller = more similar';
COMMENT ON FUNCTION cosine_distance(face_embedding, face_embedding) IS '1 - cosine similarity (operator <=>); NaN if a vector is zero';
COMMENT ON FUNCTION l2_norm(face_embedding) IS 'Euclidean norm';
COMMENT ON FUNCTION l2_normalize(face_embedding) IS 'the unit vector in the same direction (a zero vector stays zero)';
COMMENT ON FUNCTION face_embedding_cmp(face_embedding, face_embedding) IS 'element-wise order for btree (-1, 0, 1)';
COMMENT ON FUNCTION face_embedding_eq(face_embedding, face_embedding) IS 'all 128 elements equal (operator =)';
COMMENT ON FUNCTION face_embedding_ne(face_embedding, face_embedding) IS 'some element differs (operator <>)';
COMMENT ON FUNCTION face_embedding_lt(face_embedding, face_embedding) IS 'element-wise order (operator <)';
COMMENT ON FUNCTION face_embedding_le(face_embedding, face_embedding) IS 'element-wise order (operator <=)';
COMMENT ON FUNCTION face_embedding_gt(face_embedding, face_embedding) IS 'element-wise order (operator >)';
COMMENT ON FUNCTION face_embedding_ge(face_embedding, face_embedding) IS 'element-wise order (operator >=)';
COMMENT ON FUNCTION face_embedding_accum(double precision[], face_embedding) IS 'avg/sum state: {count, sum_1..sum_128}';
COMMENT ON FUNCTION face_embedding_combine(double precision[], double precision[]) IS 'avg/sum: merges two parallel partial states';
COMMENT ON FUNCTION face_embedding_avg_final(double precision[]) IS 'avg: the element-wise mean (centroid)';
COMMENT ON FUNCTION face_embedding_sum_final(double precision[]) IS 'sum: the element-wise sum';
COMMENT ON AGGREGATE avg(face_embedding) IS 'element-wise mean (centroid), parallel';
COMMENT ON AGGREGATE sum(face_embedding) IS 'element-wise sum, parallel';
COMMENT ON FUNCTION face_fg_handler(internal) IS 'access method handler of facegraph';
COMMENT ON FUNCTION face_sphere_in(cstring) IS 'text input: ([x1,...,x128], radius)';
COMMENT ON FUNCTION face_sphere_out(face_sphere) IS 'text output: ([x1,...,x128], radius)';
COMMENT ON FUNCTION face_sphere(face_embedding, double precision) IS 'the ball of the given L2 radius around a face, for embedding <@ face_sphere(...)';
COMMENT ON FUNCTION face_sphere_center(face_sphere) IS 'the centre of a face_sphere';
COMMENT ON FUNCTION face_sphere_radius(face_sphere) IS 'the L2 radius of a face_sphere';
COMMENT ON FUNCTION face_sphere_contains(face_embedding, face_sphere) IS 'embedding lies within the sphere (operator <@; index-assisted)';
COMMENT ON FUNCTION face_fg_metric_l2(internal) IS 'facegraph support: the graph is built for L2 distance (face_l2_ops)';
COMMENT ON FUNCTION face_fg_metric_cosine(internal) IS 'facegraph support: the graph is built for cosine distance (face_cosine_ops)';
COMMENT ON FUNCTION face_index_check(regclass) IS 'structural problems of a facegraph index, one row each; no rows = healthy (EXECUTE granted by a superuser)';
COMMENT ON FUNCTION face_svm_drop_trigger() IS 'sql_drop event trigger: a dropped table takes its SVM model along';

COMMENT ON OPERATOR <-> (face_embedding, face_embedding) IS 'Euclidean distance; ORDER BY it uses a facegraph face_l2_ops index';
COMMENT ON OPERATOR <=> (face_embedding, face_embedding) IS 'cosine distance; ORDER BY it uses a facegraph face_cosine_ops index';
COMMENT ON OPERATOR <#> (face_embedding, face_embedding) IS 'negative inner product';
COMMENT ON OPERATOR = (face_embedding, face_embedding) IS 'equal element by element';
COMMENT ON OPERATOR <> (face_embedding, face_embedding) IS 'not equal';
COMMENT ON OPERATOR < (face_embedding, face_embedding) IS 'element-wise order (for btree, DISTINCT, GROUP BY)';
COMMENT ON OPERATOR <= (face_embedding, face_embedding) IS 'element-wise order (for btree, DISTINCT, GROUP BY)';
COMMENT ON OPERATOR > (face_embedding, face_embedding) IS 'element-wise order (for btree, DISTINCT, GROUP BY)';
COMMENT ON OPERATOR >= (face_embedding, face_embedding) IS 'element-wise order (for btree, DISTINCT, GROUP BY)';
COMMENT ON OPERATOR <@ (face_embedding, face_sphere) IS 'lies within the sphere: radius search, index-assisted';
