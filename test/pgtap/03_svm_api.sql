-- The per-table SVM API surface (extension/parts/40_svm.sql): the four
-- functions with their signatures, defaults, OUT columns, volatility,
-- strictness and parallel safety; the face_svm_models view; the
-- face_svm_model configuration table with its row-level security and grants;
-- and the event trigger that drops the model of a dropped table.
BEGIN;
SELECT plan(48);

-- face_svm_train: one row of training statistics; NULL thresholds turn a test
-- off, so it is not STRICT (NULL table or column names are refused in C)
SELECT function_returns('face_svm_train',
    ARRAY['regclass', 'text', 'text', 'double precision', 'double precision', 'double precision',
          'double precision', 'integer'], 'record');
SELECT is(pg_get_function_arguments(to_regprocedure(
              'face_svm_train(regclass, text, text, float8, float8, float8, float8, int)')),
          'source regclass, label_column text, embedding_column text DEFAULT ''embedding''::text, '
          'c double precision DEFAULT 1.0, max_distance double precision DEFAULT 0.5, '
          'min_probability double precision DEFAULT 0.2, min_margin double precision DEFAULT NULL::double precision, '
          'max_exemplars integer DEFAULT 64, OUT classes integer, OUT samples bigint, OUT skipped bigint, '
          'OUT training_ms double precision, OUT training_accuracy double precision',
          'face_svm_train arguments, defaults and OUT columns');
SELECT volatility_is('face_svm_train',
    ARRAY['regclass', 'text', 'text', 'double precision', 'double precision', 'double precision',
          'double precision', 'integer'], 'volatile');
SELECT isnt_strict('face_svm_train',
    ARRAY['regclass', 'text', 'text', 'double precision', 'double precision', 'double precision',
          'double precision', 'integer']);
SELECT is((SELECT proparallel::text FROM pg_proc WHERE oid = to_regprocedure(
              'face_svm_train(regclass, text, text, float8, float8, float8, float8, int)')), 'u',
          'face_svm_train is PARALLEL UNSAFE (it writes face_svm_model)');
SELECT throws_ok($$ SELECT * FROM face_svm_train(NULL, 'label') $$, '22004', 'source must not be NULL',
                 'face_svm_train refuses a NULL table');

-- face_svm_predict: NULL thresholds mean the model's own
SELECT function_returns('face_svm_predict',
    ARRAY['regclass', 'face_embedding', 'double precision', 'double precision', 'double precision'], 'text');
SELECT is(pg_get_function_arguments(to_regprocedure(
              'face_svm_predict(regclass, face_embedding, float8, float8, float8)')),
          'source regclass, embedding face_embedding, max_distance double precision DEFAULT NULL::double precision, '
          'min_probability double precision DEFAULT NULL::double precision, '
          'min_margin double precision DEFAULT NULL::double precision',
          'face_svm_predict arguments and defaults');
SELECT volatility_is('face_svm_predict',
    ARRAY['regclass', 'face_embedding', 'double precision', 'double precision', 'double precision'], 'stable');
SELECT isnt_strict('face_svm_predict',
    ARRAY['regclass', 'face_embedding', 'double precision', 'double precision', 'double precision']);
SELECT is((SELECT proparallel::text FROM pg_proc WHERE oid = to_regprocedure(
              'face_svm_predict(regclass, face_embedding, float8, float8, float8)')), 's',
          'face_svm_predict is PARALLEL SAFE');
SELECT is(face_svm_predict(NULL, array_fill(0, ARRAY[128])::face_embedding), NULL,
          'face_svm_predict of a NULL table is NULL');

-- face_svm_scores: one row per class
SELECT function_returns('face_svm_scores', ARRAY['regclass', 'face_embedding'], 'setof record');
SELECT is(pg_get_function_arguments(to_regprocedure('face_svm_scores(regclass, face_embedding)')),
          'source regclass, embedding face_embedding, OUT label text, OUT score double precision, '
          'OUT probability double precision, OUT distance double precision',
          'face_svm_scores arguments and OUT columns');
SELECT volatility_is('face_svm_scores', ARRAY['regclass', 'face_embedding'], 'stable');
SELECT isnt_strict('face_svm_scores', ARRAY['regclass', 'face_embedding']);
SELECT is((SELECT proparallel::text FROM pg_proc
           WHERE oid = to_regprocedure('face_svm_scores(regclass, face_embedding)')), 's',
          'face_svm_scores is PARALLEL SAFE');

-- face_svm_drop
SELECT function_returns('face_svm_drop', ARRAY['regclass'], 'boolean');
SELECT is(pg_get_function_arguments(to_regprocedure('face_svm_drop(regclass)')), 'source regclass',
          'face_svm_drop arguments');
SELECT volatility_is('face_svm_drop', ARRAY['regclass'], 'volatile');
SELECT is_strict('face_svm_drop', ARRAY['regclass']);
SELECT is((SELECT proparallel::text FROM pg_proc WHERE oid = to_regprocedure('face_svm_drop(regclass)')), 'u',
          'face_svm_drop is PARALLEL UNSAFE (it deletes from face_svm_model)');

-- the view every user may read
SELECT has_view('face_svm_models');
SELECT is((SELECT array_agg(attname || ' ' || format_type(atttypid, atttypmod) ORDER BY attnum)
           FROM pg_attribute WHERE attrelid = to_regclass('face_svm_models') AND attnum > 0),
          ARRAY['source regclass', 'label_column text', 'embedding_column text', 'classes integer',
                'samples bigint', 'c double precision', 'trained_at timestamp with time zone'],
          'face_svm_models columns, in order, and their types (no labels, no embeddings)');
SELECT is((SELECT reloptions FROM pg_class WHERE oid = to_regclass('face_svm_models')),
          ARRAY['security_barrier=true'], 'face_svm_models is a security barrier view');
SELECT table_privs_are('face_svm_models', 'public', ARRAY['SELECT'],
                       'PUBLIC may only SELECT from face_svm_models');

-- the configuration table that holds the models
SELECT has_table('face_svm_model');
SELECT is((SELECT array_agg(attname || ' ' || format_type(atttypid, atttypmod) ORDER BY attname)
           FROM pg_attribute WHERE attrelid = to_regclass('face_svm_model') AND attnum > 0 AND NOT attisdropped),
          ARRAY['c double precision', 'embedding_column text', 'label_column text', 'labels text[]',
                'model bytea', 'model_id uuid', 'samples bigint', 'source regclass',
                'trained_at timestamp with time zone'],
          'face_svm_model columns and their types');
SELECT col_is_pk('face_svm_model', 'source', 'one model per source table');
SELECT is_empty($$ SELECT attname FROM pg_attribute
                   WHERE attrelid = to_regclass('face_svm_model') AND attnum > 0 AND NOT attisdropped
                     AND NOT attnotnull $$,
                'every face_svm_model column is NOT NULL');
SELECT col_default_is('face_svm_model', 'trained_at', 'now()', 'trained_at defaults to now()');
SELECT is((SELECT attstorage::text FROM pg_attribute
           WHERE attrelid = to_regclass('face_svm_model') AND attname = 'model'), 'e',
          'the serialised model is stored EXTERNAL (no compression attempt)');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass('face_svm_model')),
          'face_svm_model has row-level security enabled');
SELECT ok((SELECT NOT relforcerowsecurity FROM pg_class WHERE oid = to_regclass('face_svm_model')),
          'row-level security is not forced on the table owner (the extension owner sees every model)');
SELECT policies_are('face_svm_model', ARRAY['face_svm_model_table_owner']);
SELECT policy_cmd_is('face_svm_model', 'face_svm_model_table_owner', 'ALL');
SELECT is((SELECT polroles::text || ' ' || polpermissive::text FROM pg_policy
           WHERE polrelid = to_regclass('face_svm_model') AND polname = 'face_svm_model_table_owner'),
          '{0} true', 'the policy is permissive and applies to PUBLIC');
SELECT matches((SELECT pg_get_expr(polqual, polrelid) FROM pg_policy
                WHERE polrelid = to_regclass('face_svm_model') AND polname = 'face_svm_model_table_owner'),
               '^pg_has_role\(\( SELECT pg_class\.relowner\s+FROM pg_class\s+WHERE \(pg_class\.oid = \(face_svm_model\.source\)::oid\)\), ''USAGE''::text\)$',
               'the policy admits the roles that own (or are members of the owner of) the source table');
SELECT is((SELECT polwithcheck IS NULL FROM pg_policy
           WHERE polrelid = to_regclass('face_svm_model') AND polname = 'face_svm_model_table_owner'), true,
          'no separate WITH CHECK: an INSERT must pass the same ownership test');
SELECT table_privs_are('face_svm_model', 'public', ARRAY['INSERT', 'SELECT'],
                       'PUBLIC has exactly SELECT and INSERT on face_svm_model');
SELECT ok(NOT has_table_privilege('public', 'face_svm_model', 'UPDATE')
          AND NOT has_table_privilege('public', 'face_svm_model', 'DELETE'),
          'PUBLIC may neither UPDATE nor DELETE a model');
SELECT ok((SELECT to_regclass('face_svm_model') = ANY (extconfig) FROM pg_extension WHERE extname = 'openface'),
          'face_svm_model is an extension configuration table (pg_dump dumps its rows)');
SELECT is((SELECT extcondition[array_position(extconfig, to_regclass('face_svm_model')::oid)]
           FROM pg_extension WHERE extname = 'openface'), '',
          'every model is dumped (no WHERE filter)');

-- dropping a table drops its model
SELECT function_returns('face_svm_drop_trigger', ARRAY[]::text[], 'event_trigger');
SELECT is((SELECT evtevent::text FROM pg_event_trigger WHERE evtname = 'face_svm_drop'), 'sql_drop',
          'event trigger face_svm_drop fires on sql_drop');
SELECT is((SELECT evtfoid FROM pg_event_trigger WHERE evtname = 'face_svm_drop'),
          to_regprocedure('face_svm_drop_trigger()')::oid,
          'event trigger face_svm_drop runs face_svm_drop_trigger()');
SELECT is((SELECT evtenabled::text || ' ' || (evttags IS NULL)::text FROM pg_event_trigger
           WHERE evtname = 'face_svm_drop'), 'O true',
          'event trigger face_svm_drop is enabled, for every command tag');
SELECT ok(EXISTS (SELECT FROM pg_depend d JOIN pg_event_trigger t ON t.oid = d.objid
                  JOIN pg_extension e ON e.oid = d.refobjid
                  WHERE d.classid = 'pg_event_trigger'::regclass AND d.deptype = 'e'
                    AND t.evtname = 'face_svm_drop' AND e.extname = 'openface'),
          'event trigger face_svm_drop belongs to the extension');

SELECT * FROM finish();
ROLLBACK;
