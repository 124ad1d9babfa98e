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
