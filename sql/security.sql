-- Hostile callers (README, "Security model").  Every check here failed on 0.1.
-- Its own database: it drops and re-creates the extension.
CREATE DATABASE regress_openface_security;
\c regress_openface_security
\getenv fixtures OPENFACE_FIXTURES
CREATE EXTENSION openface;
CREATE FUNCTION fake_face(int) RETURNS face_embedding LANGUAGE sql AS $$
    SELECT face_embedding(array(SELECT CASE WHEN i % 4 = $1 THEN 0.3 ELSE 0 END
                                  + 0.001 * ((i * 7 + $1 * 13) % 11)
                                FROM generate_series(0, 127) i)::real[]) $$;

-- 3. a model dropped with the extension never answers again, even in a
-- session that cached it (the cache key was a sequence value that restarted,
-- so this test trains the database's first model)
CREATE TABLE ids AS SELECT 'old' || (i % 2) AS person, fake_face(i % 2) AS embedding
    FROM generate_series(1, 6) i;
SELECT classes FROM face_svm_train('ids', 'person');
SELECT face_svm_predict('ids', fake_face(1)) AS before_drop;
SET client_min_messages = warning;
DROP EXTENSION openface CASCADE;
RESET client_min_messages;
CREATE EXTENSION openface;
CREATE OR REPLACE FUNCTION fake_face(int) RETURNS face_embedding LANGUAGE sql AS $$
    SELECT face_embedding(array(SELECT CASE WHEN i % 4 = $1 THEN 0.3 ELSE 0 END
                                  + 0.001 * ((i * 7 + $1 * 13) % 11)
                                FROM generate_series(0, 127) i)::real[]) $$;
ALTER TABLE ids ADD COLUMN embedding face_embedding;
UPDATE ids SET person = replace(person, 'old', 'new'), embedding = fake_face(right(person, 1)::int);
SELECT classes FROM face_svm_train('ids', 'person');
SELECT face_svm_predict('ids', fake_face(1)) AS after_recreate;

-- 1. search_path: an ordinary role's operators never run with the
-- extension owner's rights.  Mallory owns a table with a model and a schema
-- of operators that would make her superuser if the owner ran them.
CREATE ROLE regress_mallory;
CREATE SCHEMA mallory AUTHORIZATION regress_mallory;
SET ROLE regress_mallory;
CREATE TABLE mallory.faces AS
    SELECT 'p' || (i % 2) AS person, fake_face(i % 2) AS embedding FROM generate_series(1, 6) i;
SELECT classes FROM face_svm_train('mallory.faces', 'person');
CREATE FUNCTION mallory.escalate(regclass, regclass) RETURNS boolean LANGUAGE plpgsql AS
    $$ BEGIN ALTER ROLE regress_mallory SUPERUSER; RETURN $1::oid OPERATOR(pg_catalog.=) $2::oid; END $$;
CREATE FUNCTION mallory.escalate(oid, regclass) RETURNS boolean LANGUAGE plpgsql AS
    $$ BEGIN ALTER ROLE regress_mallory SUPERUSER; RETURN $1 OPERATOR(pg_catalog.=) $2::oid; END $$;
CREATE FUNCTION mallory.escalate(oid, oid) RETURNS boolean LANGUAGE plpgsql AS
    $$ BEGIN ALTER ROLE regress_mallory SUPERUSER; RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR mallory.= (LEFTARG = regclass, RIGHTARG = regclass, FUNCTION = mallory.escalate);
CREATE OPERATOR mallory.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = mallory.escalate);
CREATE OPERATOR mallory.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = mallory.escalate);
SET search_path = mallory, pg_catalog, public;
SELECT face_svm_predict('mallory.faces', fake_face(1)) AS predicted;
SELECT count(*) AS classes FROM face_svm_scores('mallory.faces', fake_face(1));
SELECT classes FROM face_svm_train('mallory.faces', 'person');
SELECT face_svm_drop('mallory.faces') AS dropped;
-- the queue trigger writes its job as the extension owner, and dropping the
-- table makes the sql_drop event trigger delete it as that owner
CREATE TABLE mallory.album (id int PRIMARY KEY, photo bytea, embedding face_embedding);
CREATE TRIGGER embed_later BEFORE INSERT ON mallory.album
    FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding');
INSERT INTO mallory.album VALUES (1, '\x00');
SELECT pending FROM face_embed_queue_status
 WHERE source OPERATOR(pg_catalog.=) 'mallory.album'::regclass;
DROP TABLE mallory.album;
RESET search_path;
RESET ROLE;
SELECT count(*) AS jobs_left FROM face_embed_queue;
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'regress_mallory';
-- (b) the sql_drop event trigger fires for Eve, who never calls openface,
-- when she drops a table of her own
CREATE ROLE regress_eve;
CREATE SCHEMA eve AUTHORIZATION regress_eve;
SET ROLE regress_eve;
CREATE FUNCTION eve.escalate(oid, regclass) RETURNS boolean LANGUAGE plpgsql AS
    $$ BEGIN ALTER ROLE regress_eve SUPERUSER; RETURN $1 OPERATOR(pg_catalog.=) $2::oid; END $$;
CREATE FUNCTION eve.escalate(oid, oid) RETURNS boolean LANGUAGE plpgsql AS
    $$ BEGIN ALTER ROLE regress_eve SUPERUSER; RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR eve.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = eve.escalate);
CREATE OPERATOR eve.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = eve.escalate);
CREATE TABLE eve.scratch (x int);
SET search_path = eve, pg_catalog;
DROP TABLE eve.scratch;
RESET search_path;
RESET ROLE;
SELECT rolsuper AS eve_is_superuser FROM pg_roles WHERE rolname = 'regress_eve';

-- 4. face_extract_trigger's target is fixed by the trigger's definition: a
-- temporary table of the same name or a search_path without the schema
-- changes nothing, and a temporary target for a permanent table is refused.
CREATE TABLE album (id int PRIMARY KEY, photo bytea);
CREATE TABLE album_faces (source int, face int, box int4[], score real, embedding face_embedding);
CREATE TRIGGER extract AFTER INSERT ON album
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'album_faces');
CREATE TEMP TABLE album_faces (LIKE public.album_faces);
INSERT INTO album VALUES (1, pg_read_binary_file(:'fixtures' || '/images/sample2.jpg'));
SET search_path = pg_catalog;
INSERT INTO public.album VALUES (2, pg_read_binary_file(:'fixtures' || '/images/sample2.jpg'));
RESET search_path;
SELECT (SELECT count(*) FROM public.album_faces) AS permanent_rows,
       (SELECT count(*) FROM pg_temp.album_faces) AS temporary_rows;
CREATE TRIGGER extract_tmp AFTER INSERT ON album
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'pg_temp.album_faces');
INSERT INTO album VALUES (3, pg_read_binary_file(:'fixtures' || '/images/sample2.jpg'));
DROP TRIGGER extract_tmp ON album;
CREATE TRIGGER extract_missing AFTER INSERT ON album
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'no_such_faces');
INSERT INTO album VALUES (4, pg_read_binary_file(:'fixtures' || '/images/sample2.jpg'));
DROP TABLE album, album_faces, pg_temp.album_faces;

-- 5. a user may lower the image size limit, never raise it past the
-- superuser's ceiling
CREATE TABLE photo AS SELECT pg_read_binary_file(:'fixtures' || '/images/sample2.jpg') AS img;
GRANT SELECT ON photo TO regress_mallory;
SET ROLE regress_mallory;
SET openface.max_image_pixels_ceiling = 2000000000;
SET openface.max_image_pixels = 2000000;
SELECT face_embed(img) FROM photo;
SET openface.max_image_pixels = 2000000000;
SELECT face_embed(img) IS NOT NULL AS within_ceiling FROM photo;
RESET ROLE;
SET openface.max_image_pixels_ceiling = 1000000;
SELECT face_embed(img) FROM photo;
RESET openface.max_image_pixels_ceiling;
RESET openface.max_image_pixels;
-- the rows one call trains on or clusters are bounded the same way
CREATE TABLE many AS SELECT 'p' || (i % 2) AS person, fake_face(i % 2) AS embedding
    FROM generate_series(1, 3000) i;
GRANT SELECT ON many TO regress_mallory;
SET ROLE regress_mallory;
SET openface.max_call_memory = '100GB';
RESET ROLE;
SET openface.max_call_memory = '1MB';
SELECT classes FROM face_svm_train('many', 'person');
SELECT count(DISTINCT c) FROM (SELECT face_cluster_kmeans(embedding, 2) OVER () AS c FROM many) k;
RESET openface.max_call_memory;
SELECT count(DISTINCT c) AS clusters FROM (SELECT face_cluster_kmeans(embedding, 2) OVER () AS c FROM many) k;

-- 7. face_index_check reads every page of an index: only roles granted it
-- may run it, and a table is not an index
CREATE TABLE indexed (embedding face_embedding);
CREATE INDEX indexed_fg ON indexed USING facegraph (embedding);
SELECT count(*) AS problems FROM face_index_check('indexed_fg');
SELECT * FROM face_index_check('indexed');
SET ROLE regress_mallory;
SELECT * FROM face_index_check('indexed_fg');
RESET ROLE;

\c contrib_regression
DROP DATABASE regress_openface_security;
DROP ROLE regress_mallory, regress_eve;
