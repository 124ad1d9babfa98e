-- openface 0.1 -> 0.2: the security fixes (see the README's "Security model");
-- the build appends parts/90_comments.sql (descriptions of every object).
\echo Use "ALTER EXTENSION openface UPDATE TO '0.2'" to load this file. \quit

-- SVM models are cached per backend by a random id drawn at every training,
-- unique for all time, instead of a version from a sequence (which restarted
-- at 1 when the extension was re-created, so an old backend could keep using
-- a dropped model).  Without the sequence, a non-superuser database owner can
-- pg_dump the database again.
ALTER TABLE face_svm_model ADD COLUMN model_id uuid;
UPDATE face_svm_model SET model_id = pg_catalog.gen_random_uuid();
ALTER TABLE face_svm_model ALTER COLUMN model_id SET NOT NULL;
ALTER TABLE face_svm_model DROP COLUMN version;
ALTER EXTENSION openface DROP SEQUENCE face_svm_model_version_seq;
DROP SEQUENCE face_svm_model_version_seq;

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

-- Only models of tables the user can read whole (or owns) are listed.
CREATE OR REPLACE VIEW face_svm_models WITH (security_barrier) AS
    SELECT source, label_column, embedding_column,
           pg_catalog.cardinality(labels) AS classes, samples, c, trained_at
      FROM face_svm_model
     WHERE pg_catalog.has_table_privilege(source::pg_catalog.oid, 'SELECT')
       AND (NOT pg_catalog.row_security_active(source)
            OR pg_catalog.pg_has_role((SELECT relowner FROM pg_catalog.pg_class
                                        WHERE oid OPERATOR(pg_catalog.=) source::pg_catalog.oid),
                                      'USAGE'));

-- Like amcheck's functions: only roles a superuser grants it to.
REVOKE ALL ON FUNCTION face_index_check(regclass) FROM PUBLIC;
