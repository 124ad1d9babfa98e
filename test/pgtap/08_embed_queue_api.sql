-- Background embedding's API surface (extension/parts/70_embed_queue.sql,
-- src/pg/trigger.c): face_embed_queue_trigger, how it refuses a definition
-- it cannot serve, which writes queue a job, and the queue's table and view.
-- No worker runs here (openface is not preloaded): jobs stay pending, and
-- the transaction is rolled back.
BEGIN;
SELECT plan(25);

SELECT function_returns('face_embed_queue_trigger', ARRAY[]::text[], 'trigger');
SELECT function_lang_is('face_embed_queue_trigger', ARRAY[]::text[], 'c');
SELECT has_table('face_embed_queue');
SELECT has_view('face_embed_queue_status');
SELECT is((SELECT relrowsecurity FROM pg_class WHERE oid = 'face_embed_queue'::regclass), true,
          'the queue has row-level security');
SELECT is(ARRAY(SELECT privilege_type::text FROM information_schema.role_table_grants
                 WHERE table_name = 'face_embed_queue' AND grantee = 'PUBLIC' ORDER BY 1),
          '{DELETE,INSERT,SELECT}', 'PUBLIC may select, restore and delete (the policy says which rows)');
SELECT isnt(obj_description('face_embed_queue'::regclass, 'pg_class'), NULL, 'face_embed_queue has a comment');
SELECT isnt(obj_description('face_embed_queue_status'::regclass, 'pg_class'), NULL,
            'face_embed_queue_status has a comment');

CREATE TABLE tap_q (id int, photo bytea, embedding face_embedding, note text, at timestamptz);
SELECT lives_ok($$ CREATE TRIGGER q BEFORE INSERT OR UPDATE ON tap_q
                   FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding') $$,
                'face_embed_queue_trigger as documented');
SELECT lives_ok($$ INSERT INTO tap_q (id, embedding) VALUES (1, array_fill(1, ARRAY[128])::face_embedding) $$,
                'an INSERT without a photo passes');
SELECT is((SELECT count(*) FROM face_embed_queue)::int, 0, '... and queues nothing');
SELECT is((SELECT embedding FROM tap_q WHERE id = 1), array_fill(1, ARRAY[128])::face_embedding,
          '... and keeps the embedding it brings');

INSERT INTO tap_q (id, photo, embedding) VALUES (2, '\x00', array_fill(1, ARRAY[128])::face_embedding);
SELECT is((SELECT string_agg(source::text || ' ' || trigger_name || ' ' || row_key || ' ' || state, ',')
             FROM face_embed_queue), 'tap_q q 2 pending', 'an INSERT with a photo queues its table, trigger and key');
SELECT is((SELECT embedding FROM tap_q WHERE id = 2), NULL, '... and leaves the embedding to the worker');
UPDATE tap_q SET note = 'x' WHERE id = 2;
SELECT is((SELECT count(*) FROM face_embed_queue)::int, 1, 'an UPDATE that keeps the photo queues nothing');
UPDATE tap_q SET id = 3 WHERE id = 2;
SELECT is((SELECT string_agg(row_key, ',' ORDER BY row_key) FROM face_embed_queue), '2,3',
          'an UPDATE of the key queues the row under its new key');
UPDATE tap_q SET photo = NULL, embedding = array_fill(1, ARRAY[128])::face_embedding WHERE id = 3;
SELECT is((SELECT count(*)::text || ' ' || (SELECT (embedding IS NULL)::text FROM tap_q WHERE id = 3)
             FROM face_embed_queue), '2 true', 'a photo set to NULL clears the embedding and queues nothing');
SELECT is((SELECT pending FROM face_embed_queue_status WHERE source = 'tap_q'::regclass), 2::bigint,
          'face_embed_queue_status counts the pending jobs');
SELECT throws_ok($$ INSERT INTO tap_q (photo) VALUES ('\x00') $$, '23502',
                 'face_embed_queue_trigger: key column "id" of the new row is NULL', 'a row to queue needs a key');
DROP TRIGGER q ON tap_q;

CREATE TRIGGER q AFTER INSERT ON tap_q
    FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding');
SELECT throws_ok($$ INSERT INTO tap_q (id) VALUES (9) $$, '39P01',
                 'face_embed_queue_trigger() must be a BEFORE INSERT OR UPDATE trigger', 'face_embed_queue_trigger AFTER');
DROP TRIGGER q ON tap_q;

CREATE TRIGGER q BEFORE INSERT ON tap_q
    FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding', 'no_such_key');
SELECT throws_ok($$ INSERT INTO tap_q (id) VALUES (9) $$, '42703',
                 'face_embed_queue_trigger: key column "no_such_key" of table "tap_q" does not exist',
                 'face_embed_queue_trigger: a missing key column');
DROP TRIGGER q ON tap_q;

CREATE TRIGGER q BEFORE INSERT ON tap_q
    FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding', 'at');
SELECT throws_ok($$ INSERT INTO tap_q (id) VALUES (9) $$, '42804',
                 'face_embed_queue_trigger: key column "at" has type timestamp with time zone',
                 'face_embed_queue_trigger: a key whose text form depends on settings');
DROP TRIGGER q ON tap_q;

CREATE TRIGGER q BEFORE INSERT ON tap_q
    FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'note');
SELECT throws_ok($$ INSERT INTO tap_q (id) VALUES (9) $$, '42804',
                 'face_embed_queue_trigger: column "note" has type text, not face_embedding',
                 'face_embed_queue_trigger: the embedding column must be a face_embedding');
DROP TRIGGER q ON tap_q;

CREATE TRIGGER q BEFORE INSERT ON tap_q
    FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo');
SELECT throws_ok($$ INSERT INTO tap_q (id) VALUES (9) $$, '22023',
                 'face_embed_queue_trigger() takes 2 to 3 arguments, not 1', 'face_embed_queue_trigger with one argument');
DROP TRIGGER q ON tap_q;

DROP TABLE tap_q;
SELECT is((SELECT count(*) FROM face_embed_queue)::int, 0, 'a dropped table takes its jobs along');

SELECT * FROM finish();
ROLLBACK;
