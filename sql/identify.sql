-- face_identify: who is this, or nobody, from a labelled table, no training.
-- Photos: test/fixtures/people, 8 people x 5 photos.  Seven people's
-- photos 1-4 are the gallery; their photo 5 must be named, and Kevin
-- Sussman, not in the gallery, must not be.
\getenv fixtures OPENFACE_FIXTURES
CREATE TABLE shots AS
  SELECT split_part(f, '__', 1) AS person, substring(f FROM '(\d)\.png$')::int AS n,
         face_embed(pg_read_binary_file(:'fixtures' || '/people/' || f)) AS embedding
    FROM pg_ls_dir(:'fixtures' || '/people') f;
CREATE TABLE gallery (id serial PRIMARY KEY, person text, embedding face_embedding);
INSERT INTO gallery (person, embedding)
  SELECT person, embedding FROM shots WHERE n <= 4 AND person <> 'Kevin_Sussman' ORDER BY person, n;
CREATE INDEX ON gallery USING facegraph (embedding);

-- the seven known people's fifth photos: each named, with its confidence
SELECT s.person, i.label = s.person AS right, i.confidence > 0 AS confident
  FROM shots s, face_identify('gallery', s.embedding) i
 WHERE s.n = 5 AND s.person <> 'Kevin_Sussman' ORDER BY 1;
-- the stranger's five photos: nobody, though the nearest face is someone
SELECT count(*) AS stranger_photos, count(i.label) AS named, min(i.distance) > 0 AS has_distance,
       max(i.confidence) AS confidence
  FROM shots s, face_identify('gallery', s.embedding) i WHERE s.person = 'Kevin_Sussman';
-- the verification threshold on the nearest face alone would have named him
SELECT count(*) FILTER (WHERE d < 0.6) AS named_by_nearest_at_0_6 FROM (
  SELECT (SELECT min(g.embedding <-> s.embedding) FROM gallery g) d
    FROM shots s WHERE s.person = 'Kevin_Sussman') x;

-- it follows the table: add Kevin, and his fifth photo is his ...
INSERT INTO gallery (person, embedding) SELECT person, embedding FROM shots WHERE person = 'Kevin_Sussman' AND n <= 4;
SELECT label FROM shots s, face_identify('gallery', s.embedding) WHERE s.person = 'Kevin_Sussman' AND s.n = 5;
-- ... remove Jim, and his fifth photo is nobody's
DELETE FROM gallery WHERE person = 'Jim_Parsons';
SELECT label IS NULL AS jim_gone FROM shots s, face_identify('gallery', s.embedding)
 WHERE s.person = 'Jim_Parsons' AND s.n = 5;

-- other column names and parameters
CREATE TABLE faces2 AS SELECT person AS who, embedding AS e FROM gallery;
SELECT label FROM shots s, face_identify('faces2', s.embedding, 'who', 'e', k => 5)
 WHERE s.person = 'Kaley_Cuoco' AND s.n = 5;
SELECT label IS NULL AS strict_threshold FROM shots s, face_identify('gallery', s.embedding, threshold => 0)
 WHERE s.person = 'Kaley_Cuoco' AND s.n = 5;
-- an empty table: no one, no distance
CREATE TABLE empty_gallery (person text, embedding face_embedding);
SELECT * FROM face_identify('empty_gallery', (SELECT embedding FROM shots LIMIT 1));

-- bad arguments
SELECT face_identify('gallery', (SELECT embedding FROM shots LIMIT 1), k => 0);
SELECT face_identify('gallery', (SELECT embedding FROM shots LIMIT 1), threshold => 'NaN');
SELECT face_identify('gallery', (SELECT embedding FROM shots LIMIT 1), label_column => NULL);
SELECT face_identify('gallery', (SELECT embedding FROM shots LIMIT 1), 'nobody');
SELECT face_identify('shots', (SELECT embedding FROM shots LIMIT 1), 'person', 'n');

-- rights: rows are read as the caller, so privileges and row-level security hold
CREATE ROLE identify_reader;
GRANT SELECT ON shots TO identify_reader;
SET ROLE identify_reader;
SELECT face_identify('gallery', (SELECT embedding FROM shots LIMIT 1));
RESET ROLE;
GRANT SELECT ON gallery TO identify_reader;
ALTER TABLE gallery ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_kaley ON gallery FOR SELECT USING (person = 'Kaley_Cuoco');
SET ROLE identify_reader;
-- Mayim's photo against the rows this role may see (Kaley's only): nobody
SELECT label IS NULL AS hidden_rows_unused FROM shots s, face_identify('gallery', s.embedding)
 WHERE s.person = 'Mayim_Bialik' AND s.n = 5;
SELECT label FROM shots s, face_identify('gallery', s.embedding) WHERE s.person = 'Kaley_Cuoco' AND s.n = 5;
RESET ROLE;
DROP TABLE shots, gallery, faces2, empty_gallery;
DROP ROLE identify_reader;
