-- openface demo: photos in, names out.
--   1. 40 labelled face photos (8 people) go into a table; a trigger embeds them.
--   2. Every face of a group photo is matched to its nearest labelled face,
--      and named (or not) by face_identify, which does not name strangers.
--   3. A per-table SVM is trained on the same rows and names the faces too.
-- :dir is the folder of photos (tools/demo.sh passes a copy the server can read).
\pset footer off
\set ON_ERROR_STOP 1
CREATE EXTENSION openface;

CREATE TABLE photos (id serial PRIMARY KEY, person text, file text, photo bytea, embedding face_embedding);
CREATE TRIGGER embed BEFORE INSERT OR UPDATE ON photos
    FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding');

\echo
\echo == 40 labelled photos, embedded by the trigger on INSERT
\timing on
INSERT INTO photos (person, file, photo)
SELECT split_part(f, '__', 1), f, pg_read_binary_file(:'dir' || '/people/' || f)
FROM pg_ls_dir(:'dir' || '/people') f ORDER BY f;
\timing off
SELECT person, count(*) AS photos, count(embedding) AS embedded FROM photos GROUP BY person ORDER BY person;

\echo
\echo == Who is in group photo bbt4.jpg? (left to right: back row Mayim_Bialik, Kunal_Nayyar,
\echo == Melissa_Rauch; front row Johnny_Galecki, Kaley_Cuoco, Jim_Parsons)
SELECT g.face, g.box AS "box {x,y,w,h}", round(g.score::numeric, 2) AS score,
       n.person AS nearest, round(n.distance::numeric, 3) AS distance,
       i.label AS face_identify, round(i.confidence::numeric, 2) AS confidence
FROM face_embed_all(pg_read_binary_file(:'dir' || '/photos/bbt4.jpg')) g,
     LATERAL (SELECT person, embedding <-> g.embedding AS distance
              FROM photos ORDER BY embedding <-> g.embedding LIMIT 1) n,
     LATERAL face_identify('photos', g.embedding) i
ORDER BY g.box[2] > 150, g.box[1];

\echo
\echo == The same faces named by an SVM trained on the table. face_svm_predict says NULL
\echo == (a stranger) unless the face is within 0.50 of a stored face of that person and
\echo == probable enough; face_svm_scores shows the best guess behind the decision.
SELECT classes, samples FROM face_svm_train('photos', 'person', 'embedding');
SELECT g.face, face_svm_predict('photos', g.embedding) AS svm_says,
       s.label AS best_guess, round(s.probability::numeric, 2) AS probability,
       round(s.distance::numeric, 3) AS distance
FROM face_embed_all(pg_read_binary_file(:'dir' || '/photos/bbt4.jpg')) g,
     LATERAL (SELECT * FROM face_svm_scores('photos', g.embedding) LIMIT 1) s
ORDER BY g.box[2] > 150, g.box[1];
