-- Per-table SVM: training, prediction, open-set rejection, rights, storage.
--
-- Synthetic faces: identity k is the unit vector e_k plus uniform noise in
-- [-0.03, 0.03] per coordinate, so samples of one identity are ~0.28 apart
-- and different identities ~1.41 apart: every expected answer below follows
-- from that geometry.
SELECT setseed(0.42);
CREATE FUNCTION fake_face(k int, noise float8 DEFAULT 0.03) RETURNS face_embedding
LANGUAGE sql VOLATILE AS $$
  SELECT array_agg(((d = k)::int + (random() * 2 - 1) * noise)::real ORDER BY d)::face_embedding
    FROM generate_series(1, 128) d
$$;

CREATE TABLE people (id int PRIMARY KEY, person text, embedding face_embedding);
INSERT INTO people
SELECT i, (ARRAY['alice', 'bob', 'carol'])[1 + i % 3], fake_face(1 + i % 3)
  FROM generate_series(0, 23) i;
-- rows that cannot be used: counted, skipped, reported in a NOTICE
INSERT INTO people VALUES (100, NULL, fake_face(1)), (101, 'alice', NULL);

SELECT classes, samples, skipped, training_accuracy, training_ms >= 0 AS timed
  FROM face_svm_train('people', 'person');

-- known identities: 30 fresh samples, all right
SELECT k, face_svm_predict('people', fake_face(k)) AS predicted, count(*)
  FROM generate_series(1, 3) k, generate_series(1, 10) s
 GROUP BY 1, 2 ORDER BY 1, 2;

-- strangers (other unit vectors): rejected
SELECT count(*) AS strangers, count(face_svm_predict('people', fake_face(k))) AS accepted
  FROM generate_series(4, 23) k;

-- a blend of alice and bob is nearest neither: rejected by distance
SELECT face_svm_predict('people', (SELECT avg(embedding) FROM people WHERE person IN ('alice', 'bob')))
       IS NULL AS blend_rejected;

-- with the distance and probability tests off the same stranger gets a label
SELECT face_svm_predict('people', fake_face(7), max_distance => 'infinity', min_probability => 0)
       IS NOT NULL AS accepted_without_tests;
-- ... unless the probability test stops it: strangers score low everywhere
SELECT face_svm_predict('people', fake_face(7), max_distance => 'infinity', min_probability => 0.5)
       IS NULL AS rejected_by_probability;
SELECT face_svm_predict('people', fake_face(1), min_probability => 0.5) AS known_passes_probability;
-- a margin floor no score difference reaches rejects everyone
SELECT face_svm_predict('people', fake_face(1), min_margin => 100) IS NULL AS rejected_by_margin;

-- scores: one row per class, best first; own class above 0.5 and near
SELECT label, score > 0 AS positive, probability > 0.5 AS likely, distance < 0.6 AS near
  FROM face_svm_scores('people', fake_face(2));
SELECT count(*), bool_and(probability BETWEEN 0 AND 1) AS probabilities_in_range
  FROM face_svm_scores('people', fake_face(9));

-- NULL arguments
SELECT face_svm_predict('people', NULL) IS NULL AS null_embedding,
       face_svm_predict(NULL, fake_face(1)) IS NULL AS null_source;
SELECT count(*) FROM face_svm_scores('people', NULL);

-- many rows, one model load: scoring the table itself
SELECT count(*) FILTER (WHERE face_svm_predict('people', embedding) = person) AS right,
       count(*) FILTER (WHERE embedding IS NOT NULL AND person IS NOT NULL) AS rows
  FROM people;

-- the model row, and what users see of it
SELECT source, label_column, embedding_column, labels, samples, c, model_id IS NOT NULL AS has_id
  FROM face_svm_model;
CREATE TEMP TABLE first_id AS SELECT model_id FROM face_svm_model;
SELECT source, classes, samples FROM face_svm_models;

-- retraining replaces the model, and this session sees it at once
UPDATE people SET person = upper(person);
SELECT classes FROM face_svm_train('people', 'person', c => 0.5);
SELECT face_svm_predict('people', fake_face(1)) AS after_retrain;
SELECT count(*) AS models, min(c) AS c,
       bool_and(model_id <> (SELECT model_id FROM first_id)) AS new_id
  FROM face_svm_model;
-- also inside one transaction, and rolled back
BEGIN;
UPDATE people SET person = lower(person);
SELECT classes FROM face_svm_train('people', 'person');
SELECT face_svm_predict('people', fake_face(1)) AS in_transaction;
ROLLBACK;
SELECT face_svm_predict('people', fake_face(1)) AS after_rollback;
BEGIN;
SAVEPOINT s;
UPDATE people SET person = lower(person);
SELECT classes FROM face_svm_train('people', 'person');
SELECT face_svm_predict('people', fake_face(1)) AS in_savepoint;
ROLLBACK TO SAVEPOINT s;
SELECT face_svm_predict('people', fake_face(1)) AS after_savepoint_rollback;
COMMIT;

-- labels of any type are used through their text form
CREATE TABLE numbered AS SELECT id, 1 + id % 3 AS person_id, embedding FROM people WHERE person IS NOT NULL;
SELECT classes, samples FROM face_svm_train('numbered', 'person_id');
SELECT face_svm_predict('numbered', fake_face(3)) AS person_id;
-- and quoted identifiers work
ALTER TABLE numbered RENAME COLUMN person_id TO "Person Id";
ALTER TABLE numbered RENAME COLUMN embedding TO "Face";
SELECT classes FROM face_svm_train('numbered', 'Person Id', 'Face');

-- bad arguments
SELECT face_svm_train('people', 'nosuch');
SELECT face_svm_train('people', 'person', 'nosuch');
SELECT face_svm_train('people', 'person', 'person');
SELECT face_svm_train('people', 'ctid');
SELECT face_svm_train('people', 'person', c => 0);
SELECT face_svm_train('people', 'person', c => 'infinity');
SELECT face_svm_train('people', 'person', max_exemplars => -1);
SELECT face_svm_train('people', NULL);
SELECT face_svm_train('nosuch_table', 'person');
CREATE TABLE lonely (person text, embedding face_embedding);
SELECT face_svm_train('lonely', 'person');
INSERT INTO lonely SELECT 'alice', fake_face(1) FROM generate_series(1, 3);
SELECT face_svm_train('lonely', 'person');
SELECT face_svm_predict('lonely', fake_face(1));

-- thresholds must be numbers in range: NaN would turn a test off unseen
SELECT face_svm_predict('people', fake_face(1), max_distance => 'NaN');
SELECT face_svm_predict('people', fake_face(1), max_distance => -0.1);
SELECT face_svm_predict('people', fake_face(1), min_probability => 1.5);
SELECT face_svm_predict('people', fake_face(1), min_margin => 'NaN');
SELECT face_svm_train('people', 'person', min_probability => 'NaN');
SELECT face_svm_train('people', 'person', max_distance => -1);
SELECT face_svm_predict('people', fake_face(1), max_distance => 'Infinity',
                        min_probability => 0, min_margin => '-Infinity') AS tests_off;

-- a corrupt stored model is an error, not a crash
BEGIN;
UPDATE face_svm_model SET model = '\x00010203', model_id = gen_random_uuid()
 WHERE source = 'people'::regclass;
SELECT face_svm_predict('people', fake_face(1));
ROLLBACK;

-- rights: a table's model is visible to its owner only; predicting needs
-- SELECT on the table, checked before the model is looked up
CREATE ROLE regress_svm_reader;
CREATE ROLE regress_svm_owner;
SET ROLE regress_svm_reader;
SELECT count(*) FROM face_svm_model;
SELECT face_svm_predict('people', fake_face(1));
SELECT face_svm_predict('lonely', fake_face(1));
SELECT count(*) FROM face_svm_models;
SELECT face_svm_train('people', 'person');
RESET ROLE;
GRANT SELECT (person, embedding) ON people TO regress_svm_reader;
SET ROLE regress_svm_reader;
SELECT face_svm_predict('people', fake_face(1)) AS with_column_privileges;
SELECT source FROM face_svm_models ORDER BY source::text;
SELECT face_svm_train('people', 'person');
RESET ROLE;

-- training reads with the caller's rights: an owner without SELECT fails,
-- and row-level security decides which rows the model learns from
CREATE TABLE guarded (person text, embedding face_embedding);
INSERT INTO guarded SELECT person, embedding FROM people WHERE person IS NOT NULL;
ALTER TABLE guarded OWNER TO regress_svm_owner;
SET ROLE regress_svm_owner;
REVOKE SELECT ON guarded FROM regress_svm_owner;
SELECT face_svm_train('guarded', 'person');
GRANT SELECT ON guarded TO regress_svm_owner;
ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;
ALTER TABLE guarded FORCE ROW LEVEL SECURITY;
CREATE POLICY no_carol ON guarded USING (person <> 'CAROL');
SELECT classes, samples FROM face_svm_train('guarded', 'person');
SELECT face_svm_predict('guarded', fake_face(3)) AS carol_unknown;
SELECT face_svm_predict('guarded', fake_face(2)) AS bob_known;
SELECT source, samples FROM face_svm_model;
GRANT SELECT ON guarded TO regress_svm_reader;
CREATE POLICY reader_sees_bob ON guarded TO regress_svm_reader USING (person = 'BOB');
RESET ROLE;
-- a reader whom row-level security limits may not use a model that saw
-- other rows: its scores and exemplar distances would reveal them
SET ROLE regress_svm_reader;
SELECT * FROM face_svm_scores('guarded', fake_face(1));
SELECT face_svm_predict('guarded', fake_face(2));
SELECT count(*) FROM face_svm_models WHERE source = 'guarded'::regclass;
RESET ROLE;
-- the same reader once row-level security no longer limits them
ALTER TABLE guarded DISABLE ROW LEVEL SECURITY;
SET ROLE regress_svm_reader;
SELECT face_svm_predict('guarded', fake_face(2)) AS bob_without_rls;
RESET ROLE;

-- the model follows a rename, and leaves with the table
ALTER TABLE people RENAME TO people_renamed;
SELECT face_svm_predict('people_renamed', fake_face(2)) AS after_rename;
SELECT source FROM face_svm_model ORDER BY source::text;
DROP TABLE people_renamed;
SELECT source FROM face_svm_model ORDER BY source::text;
SELECT face_svm_drop('numbered'), face_svm_drop('numbered');
SELECT source FROM face_svm_model ORDER BY source::text;

-- pg_dump keeps the models: the model table is extension configuration
SELECT c::regclass AS config
  FROM pg_extension e, unnest(e.extconfig) c
 WHERE e.extname = 'openface' AND c::regclass::text LIKE 'face_svm%'
 ORDER BY 1;

DROP TABLE guarded, lonely, numbered;
DROP ROLE regress_svm_reader;
DROP ROLE regress_svm_owner;
DROP FUNCTION fake_face(int, float8);
