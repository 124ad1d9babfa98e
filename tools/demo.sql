-- openface demo: 5,000 face-like embeddings (625 identities x 8 photos each,
-- unit vectors, same-identity distances about 0.3-0.5, different about 1.0-1.2)
-- and a nearest-face query.
\pset footer off
CREATE EXTENSION openface;
SELECT setseed(0.2026);
CREATE TABLE faces (id serial PRIMARY KEY, person int, embedding face_embedding);

-- Gaussian coordinates by Box-Muller: random centres on the sphere, then
-- samples scattered around them and normalised back onto the sphere.
CREATE TEMP TABLE centre AS
SELECT p, l2_normalize(face_embedding(array(
           SELECT (sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
           FROM generate_series(1, 128) WHERE p > 0))) AS c
FROM generate_series(1, 625) p;
INSERT INTO faces (person, embedding)
SELECT p, l2_normalize(face_embedding(array(
           SELECT (x + 0.03 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
           FROM unnest(c::real[]) x WHERE s > 0)))
FROM centre, generate_series(1, 8) s;

\echo
\echo 5,000 faces of 625 people. The query is a new photo of person 42:
SELECT l2_normalize(face_embedding(array(
           SELECT (x + 0.03 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
           FROM unnest(c::real[]) x))) AS q
FROM centre WHERE p = 42 \gset

SELECT id, person, round((embedding <-> :'q')::numeric, 4) AS distance
FROM faces ORDER BY embedding <-> :'q' LIMIT 10;
