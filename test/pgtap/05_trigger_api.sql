-- The trigger API surface (extension/parts/60_trigger.sql, src/pg/trigger.c):
-- face_embed_trigger and face_extract_trigger, and how each refuses a
-- definition it cannot serve.  No photo is decoded here: every row inserted
-- has a NULL photo, and the definition checks come first.
BEGIN;
SELECT plan(26);

SELECT function_returns('face_embed_trigger', ARRAY[]::text[], 'trigger');
SELECT function_returns('face_extract_trigger', ARRAY[]::text[], 'trigger');
SELECT function_lang_is('face_embed_trigger', ARRAY[]::text[], 'c');
SELECT function_lang_is('face_extract_trigger', ARRAY[]::text[], 'c');
-- VOLATILE, not STRICT, PARALLEL UNSAFE: the CREATE FUNCTION defaults, as declared
SELECT volatility_is('face_embed_trigger', ARRAY[]::text[], 'volatile');
SELECT volatility_is('face_extract_trigger', ARRAY[]::text[], 'volatile');
SELECT is((SELECT string_agg(p.proname || ' ' || p.proisstrict::text || ' ' || p.proparallel::text, ', '
                             ORDER BY p.proname)
           FROM pg_proc p WHERE p.oid IN (to_regprocedure('face_embed_trigger()'),
                                          to_regprocedure('face_extract_trigger()'))),
          'face_embed_trigger false u, face_extract_trigger false u',
          'trigger functions are neither STRICT nor PARALLEL SAFE');
SELECT isnt(obj_description(to_regprocedure('face_embed_trigger()'), 'pg_proc'), NULL,
            'face_embed_trigger has a comment (its arguments)');
SELECT isnt(obj_description(to_regprocedure('face_extract_trigger()'), 'pg_proc'), NULL,
            'face_extract_trigger has a comment (its arguments)');

CREATE TABLE tap_photos (id int, photo bytea, embedding face_embedding, note text);
CREATE TABLE tap_faces (source int, face int, box int4[], score real, embedding face_embedding);

-- face_embed_trigger: BEFORE INSERT OR UPDATE, FOR EACH ROW, 2 to 4 arguments
SELECT lives_ok($$ CREATE TRIGGER embed BEFORE INSERT OR UPDATE ON tap_photos
                   FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding') $$,
                'face_embed_trigger as documented');
SELECT lives_ok($$ INSERT INTO tap_photos VALUES (1, NULL, array_fill(1, ARRAY[128])::face_embedding) $$,
                'an INSERT without a photo passes face_embed_trigger');
SELECT is((SELECT embedding FROM tap_photos WHERE id = 1), array_fill(1, ARRAY[128])::face_embedding,
          'an INSERT without a photo keeps the embedding it brings');
DROP TRIGGER embed ON tap_photos;

CREATE TRIGGER embed AFTER INSERT ON tap_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (2) $$, '39P01',
                 'face_embed_trigger() must be a BEFORE INSERT OR UPDATE trigger', 'face_embed_trigger AFTER');
DROP TRIGGER embed ON tap_photos;

CREATE TRIGGER embed BEFORE INSERT ON tap_photos
    FOR EACH STATEMENT EXECUTE FUNCTION face_embed_trigger('photo', 'embedding');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (2) $$, '39P01',
                 'face_embed_trigger() must be a FOR EACH ROW trigger', 'face_embed_trigger FOR EACH STATEMENT');
DROP TRIGGER embed ON tap_photos;

CREATE TRIGGER embed BEFORE INSERT ON tap_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (2) $$, '22023',
                 'face_embed_trigger() takes 2 to 4 arguments, not 1', 'face_embed_trigger with one argument');
DROP TRIGGER embed ON tap_photos;

CREATE TRIGGER embed BEFORE INSERT ON tap_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding', 'ignore');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (2) $$, '22023',
                 'face_embed_trigger: unknown no-face policy "ignore"', 'no-face policy: null, error or skip');
DROP TRIGGER embed ON tap_photos;

CREATE TRIGGER embed BEFORE INSERT ON tap_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding', 'null', 'ignore');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (2) $$, '22023',
                 'face_embed_trigger: unknown undecodable-photo policy "ignore"',
                 'undecodable-photo policy: null, error or skip');
DROP TRIGGER embed ON tap_photos;

CREATE TRIGGER embed BEFORE INSERT ON tap_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'note');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (2) $$, '42804',
                 'face_embed_trigger: column "note" has type text, not face_embedding',
                 'face_embed_trigger: the embedding column must be a face_embedding');
DROP TRIGGER embed ON tap_photos;

-- face_extract_trigger: AFTER INSERT, FOR EACH ROW, 2 to 4 arguments
SELECT lives_ok($$ CREATE TRIGGER extract AFTER INSERT ON tap_photos
                   FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'tap_faces', 'id') $$,
                'face_extract_trigger as documented');
SELECT lives_ok($$ INSERT INTO tap_photos (id) VALUES (3) $$, 'an INSERT without a photo passes face_extract_trigger');
SELECT is_empty($$ SELECT * FROM tap_faces $$, 'a row without a photo adds no face');
DROP TRIGGER extract ON tap_photos;

CREATE TRIGGER extract BEFORE INSERT ON tap_photos
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'tap_faces');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (4) $$, '39P01',
                 'face_extract_trigger() must be an AFTER INSERT trigger', 'face_extract_trigger BEFORE');
DROP TRIGGER extract ON tap_photos;

CREATE TRIGGER extract AFTER INSERT ON tap_photos
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'tap_faces', 'id', 'extra');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (4) $$, '22023',
                 'face_extract_trigger: unknown undecodable-photo policy "extra"',
                 'face_extract_trigger: undecodable-photo policy null, error or skip');
DROP TRIGGER extract ON tap_photos;

CREATE TRIGGER extract AFTER INSERT ON tap_photos
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'tap_faces', 'id', 'skip', 'extra');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (4) $$, '22023',
                 'face_extract_trigger() takes 2 to 4 arguments, not 5', 'face_extract_trigger with five arguments');
DROP TRIGGER extract ON tap_photos;

CREATE TRIGGER extract AFTER INSERT ON tap_photos
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'tap_no_such_table');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (4) $$, '42P01', NULL,
                 'face_extract_trigger: a missing target table');
DROP TRIGGER extract ON tap_photos;

CREATE TRIGGER extract AFTER INSERT ON tap_photos
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'tap_faces', 'no_such_key');
SELECT throws_ok($$ INSERT INTO tap_photos (id) VALUES (4) $$, '42703',
                 'face_extract_trigger: key column "no_such_key" of table "tap_photos" does not exist',
                 'face_extract_trigger: a missing key column');
DROP TRIGGER extract ON tap_photos;

SELECT * FROM finish();
ROLLBACK;
