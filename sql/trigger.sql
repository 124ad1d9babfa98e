-- Auto-embedding triggers.
\getenv fixtures OPENFACE_FIXTURES
CREATE TEMP TABLE files AS
SELECT 'sample' || i AS name, pg_read_binary_file(:'fixtures' || '/images/sample' || i || '.jpg') AS img
FROM generate_series(1, 6) i
UNION ALL SELECT 'noface', pg_read_binary_file(:'fixtures' || '/photos/noface_hubble.jpg');

CREATE TABLE photos (id serial PRIMARY KEY, name text, photo bytea, embedding face_embedding, note text);
CREATE TRIGGER embed BEFORE INSERT OR UPDATE ON photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding');

-- single-row INSERT fills the embedding, equal to face_embed()
INSERT INTO photos (name, photo) SELECT name, img FROM files WHERE name = 'sample2';
SELECT name, embedding = face_embed(photo) AS same_as_face_embed FROM photos;
-- multi-row INSERT, including a photo without a face (NULL by default) and a NULL photo
INSERT INTO photos (name, photo) SELECT name, img FROM files WHERE name IN ('sample1', 'sample3', 'noface');
INSERT INTO photos (name, photo) VALUES ('nothing', NULL);
-- an INSERT without a photo keeps the embedding it brings
INSERT INTO photos (name, embedding) VALUES ('given', array_fill(1, ARRAY[128])::face_embedding);
SELECT name, embedding IS NOT NULL AS embedded FROM photos ORDER BY id;

-- UPDATE of another column does not recompute: a marker embedding survives
UPDATE photos SET embedding = array_fill(0, ARRAY[128])::face_embedding WHERE name = 'sample1';
UPDATE photos SET note = 'seen' WHERE name = 'sample1';
SELECT name, l2_norm(embedding) AS norm, note FROM photos WHERE name = 'sample1';
-- UPDATE of the image recomputes
UPDATE photos SET photo = (SELECT img FROM files WHERE name = 'sample2') WHERE name = 'sample1';
SELECT name, embedding = (SELECT embedding FROM photos WHERE name = 'sample2') AS recomputed
FROM photos WHERE name = 'sample1';
-- UPDATE of the image to NULL clears the embedding derived from it
UPDATE photos SET photo = NULL WHERE name = 'sample3';
SELECT name, embedding IS NULL AS cleared FROM photos WHERE name = 'sample3';

-- COPY of many photos goes through the trigger too
CREATE TEMP TABLE staging (name text, photo bytea);
INSERT INTO staging SELECT name || '_' || g, img FROM files, generate_series(1, 2) g;
COPY staging TO '/tmp/openface_trigger_test.copy' (FORMAT binary);
COPY photos (name, photo) FROM '/tmp/openface_trigger_test.copy' (FORMAT binary);
SELECT count(*) AS copied, count(embedding) AS embedded FROM photos WHERE name LIKE '%\_%';

-- policies for a photo without a face
CREATE TABLE strict_photos (photo bytea, embedding face_embedding);
CREATE TRIGGER embed BEFORE INSERT ON strict_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding', 'error');
INSERT INTO strict_photos (photo) SELECT img FROM files WHERE name = 'noface';
CREATE TABLE picky_photos (photo bytea, embedding face_embedding);
CREATE TRIGGER embed BEFORE INSERT ON picky_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding', 'skip');
INSERT INTO picky_photos (photo) SELECT img FROM files WHERE name IN ('noface', 'sample2');
SELECT count(*) AS kept FROM picky_photos;

-- wrong arguments: clear errors at the first firing
CREATE TABLE bad (photo bytea, embedding face_embedding, n int);
CREATE TRIGGER t1 BEFORE INSERT ON bad FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('image', 'embedding');
INSERT INTO bad (n) VALUES (1);
DROP TRIGGER t1 ON bad;
CREATE TRIGGER t2 BEFORE INSERT ON bad FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'n');
INSERT INTO bad (n) VALUES (1);
DROP TRIGGER t2 ON bad;
CREATE TRIGGER t3 BEFORE INSERT ON bad FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo');
INSERT INTO bad (n) VALUES (1);
DROP TRIGGER t3 ON bad;
CREATE TRIGGER t4 BEFORE INSERT ON bad FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding', 'maybe');
INSERT INTO bad (n) VALUES (1);
DROP TRIGGER t4 ON bad;
CREATE TRIGGER t5 AFTER INSERT ON bad FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding');
INSERT INTO bad (n) VALUES (1);
DROP TRIGGER t5 ON bad;

-- face_extract_trigger: one row per face
CREATE TABLE album (id int PRIMARY KEY, photo bytea);
CREATE TABLE album_faces (source int REFERENCES album, face int, box int4[], score real, embedding face_embedding);
CREATE TRIGGER extract AFTER INSERT ON album
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'album_faces');
INSERT INTO album SELECT row_number() OVER (ORDER BY name), img FROM files;
SELECT a.id, count(f.face) AS faces FROM album a LEFT JOIN album_faces f ON f.source = a.id
GROUP BY a.id ORDER BY a.id;
SELECT count(*) = count(embedding) AS all_embedded FROM album_faces;

DROP TABLE photos, strict_photos, picky_photos, bad, album_faces, album;
