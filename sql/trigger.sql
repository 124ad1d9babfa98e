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

-- policies for a photo that cannot be decoded (damaged, an unsupported format,
-- over the pixel limit): an ERROR by default; 'null' and 'skip' each say in a
-- NOTICE which row (primary key, else ctid) and why
CREATE TEMP TABLE broken AS
SELECT 'truncated' AS name, substring(img FROM 1 FOR 3000) AS img FROM files WHERE name = 'sample2'
UNION ALL SELECT 'gif', '\x474946383961'::bytea || '\x0a000a00'::bytea;
CREATE TABLE careful_photos (id int PRIMARY KEY, photo bytea, embedding face_embedding);
CREATE TRIGGER embed BEFORE INSERT OR UPDATE ON careful_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding');
INSERT INTO careful_photos SELECT 1, img FROM broken WHERE name = 'truncated';
DROP TRIGGER embed ON careful_photos;
CREATE TRIGGER embed BEFORE INSERT OR UPDATE ON careful_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding', 'error', 'null');
INSERT INTO careful_photos SELECT 1, img FROM broken WHERE name = 'truncated';
INSERT INTO careful_photos SELECT 2, img FROM files WHERE name = 'sample2';
UPDATE careful_photos SET photo = (SELECT img FROM broken WHERE name = 'gif') WHERE id = 2;
-- a decodable photo without a face still follows on_no_face
INSERT INTO careful_photos SELECT 3, img FROM files WHERE name = 'noface';
SET openface.max_image_pixels = 10000;
INSERT INTO careful_photos SELECT 4, img FROM files WHERE name = 'sample1';
RESET openface.max_image_pixels;
SELECT id, embedding IS NULL AS no_embedding FROM careful_photos ORDER BY id;
DROP TRIGGER embed ON careful_photos;
CREATE TRIGGER embed BEFORE INSERT OR UPDATE ON careful_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding', 'null', 'skip');
INSERT INTO careful_photos SELECT 10 + row_number() OVER (ORDER BY name), img
FROM (SELECT name, img FROM broken UNION ALL SELECT name, img FROM files WHERE name = 'sample3') p;
-- 'skip' on UPDATE: the row keeps its photo and embedding
UPDATE careful_photos SET photo = (SELECT img FROM broken WHERE name = 'truncated') WHERE id = 12;
SELECT id, embedding IS NULL AS no_embedding, photo = (SELECT img FROM files WHERE name = 'sample3') AS photo_kept
FROM careful_photos WHERE id > 10 ORDER BY id;
-- without a primary key the row is named by its ctid (none yet before an INSERT)
CREATE TABLE loose_photos (photo bytea, embedding face_embedding);
CREATE TRIGGER embed BEFORE INSERT OR UPDATE ON loose_photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding', 'null', 'null');
INSERT INTO loose_photos SELECT img FROM broken WHERE name = 'gif';
UPDATE loose_photos SET photo = (SELECT img FROM broken WHERE name = 'truncated');
SELECT count(*) AS rows, count(embedding) AS embedded FROM loose_photos;

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
CREATE TRIGGER t6 BEFORE INSERT ON bad FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding', 'null', 'ignore');
INSERT INTO bad (n) VALUES (1);
DROP TRIGGER t6 ON bad;
CREATE TRIGGER t7 BEFORE INSERT ON bad FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding', 'null', 'null', 'null');
INSERT INTO bad (n) VALUES (1);
DROP TRIGGER t7 ON bad;

-- face_extract_trigger: one row per face
CREATE TABLE album (id int PRIMARY KEY, photo bytea);
CREATE TABLE album_faces (source int REFERENCES album, face int, box int4[], score real, embedding face_embedding);
CREATE TRIGGER extract AFTER INSERT ON album
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'album_faces');
INSERT INTO album SELECT row_number() OVER (ORDER BY name), img FROM files;
SELECT a.id, count(f.face) AS faces FROM album a LEFT JOIN album_faces f ON f.source = a.id
GROUP BY a.id ORDER BY a.id;
SELECT count(*) = count(embedding) AS all_embedded FROM album_faces;
-- an undecodable photo: an ERROR by default; 'null' or 'skip' keep the photo
-- row (an AFTER trigger cannot drop it) and write no faces
INSERT INTO album SELECT 100, img FROM broken WHERE name = 'gif';
DROP TRIGGER extract ON album;
CREATE TRIGGER extract AFTER INSERT ON album
    FOR EACH ROW EXECUTE FUNCTION face_extract_trigger('photo', 'album_faces', 'id', 'skip');
INSERT INTO album SELECT 99 + row_number() OVER (ORDER BY name), img FROM broken;
INSERT INTO album SELECT 102, img FROM files WHERE name = 'sample2';
SELECT a.id, count(f.face) AS faces FROM album a LEFT JOIN album_faces f ON f.source = a.id
WHERE a.id >= 100 GROUP BY a.id ORDER BY a.id;

DROP TABLE photos, strict_photos, picky_photos, careful_photos, loose_photos, bad, album_faces, album;
