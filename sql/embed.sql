-- Photos to faces in SQL.  Fixture photos are read from $OPENFACE_FIXTURES
-- (test/fixtures, copied where the server can read it by test/run-all.sh).
\getenv fixtures OPENFACE_FIXTURES
SET extra_float_digits = 0;
CREATE TABLE photos (name text PRIMARY KEY, img bytea);
INSERT INTO photos
SELECT 'sample' || i, pg_read_binary_file(:'fixtures' || '/images/sample' || i || '.jpg')
FROM generate_series(1, 6) i;
INSERT INTO photos VALUES ('noface', pg_read_binary_file(:'fixtures' || '/photos/noface_hubble.jpg'));

-- face-api-compatible mode reproduces the reference run: sample2's one face has
-- this descriptor (test/fixtures/pipeline/sample2.tsv), box (1403.5, 173.4, 276.6, 263.8).
SET openface.mode = faceapi;
SELECT face, box, round(score::numeric, 4) AS score,
       (embedding <-> '[-0.08166638016700745,0.0635804682970047,0.07795646786689758,-0.07416928559541702,-0.12424471974372864,-0.033571697771549225,-0.12345437705516815,-0.09457135200500488,0.16138049960136414,-0.1529652327299118,0.10701226443052292,-0.03652436286211014,-0.2130139172077179,0.12237366288900375,-0.12928633391857147,0.21912071108818054,-0.1254786252975464,-0.12009533494710922,-0.06368962675333023,-0.07276521623134613,0.02391267567873001,0.06771150976419449,0.004828238394111395,0.07376150786876678,-0.08996842801570892,-0.32467585802078247,-0.05046512186527252,-0.001960946014150977,-0.00023987502208910882,-0.06984677910804749,-0.005703635048121214,0.04262790083885193,-0.17880497872829437,0.03759286552667618,0.033498238772153854,0.1050419881939888,-0.08949515968561172,-0.10027723014354706,0.19490092992782593,0.06232306361198425,-0.2579093873500824,-0.009867385029792786,0.09158707410097122,0.28110936284065247,0.21819861233234406,0.06018150970339775,0.07234714925289154,-0.1819242238998413,0.1259155422449112,-0.29107213020324707,0.05999882519245148,0.1566508710384369,-0.0020175399258732796,0.05932272970676422,0.04498601332306862,-0.214711531996727,0.02664572186768055,0.135857954621315,-0.17109473049640656,0.049391698092222214,0.11596617847681046,0.01448021735996008,-0.004792405292391777,-0.07891561836004257,0.25376221537590027,0.08922314643859863,-0.16117919981479645,-0.11536474525928497,0.22827167809009552,-0.20205192267894745,-0.014652803540229797,0.02916189283132553,-0.10036187618970871,-0.25246158242225647,-0.31075796484947205,0.01958712376654148,0.4043545722961426,0.1995079517364502,-0.07209362834692001,0.07797414809465408,-0.015538200736045837,-0.005961228162050247,0.05632221698760986,0.17991496622562408,-0.06864091008901596,0.010925078764557838,-0.013608832843601704,0.044034168124198914,0.21454550325870514,-0.002067316323518753,0.006541021168231964,0.22190555930137634,0.03832663968205452,-0.04677284508943558,-0.026655036956071854,0.11622744053602219,-0.20444220304489136,-0.00042306334944441915,-0.20447558164596558,-0.045696061104536057,-0.0571790374815464,0.013407559134066105,0.0623914860188961,0.18555699288845062,-0.1970713585615158,0.22073422372341156,-0.05829552188515663,-0.07089930772781372,-0.026510797441005707,0.04612905904650688,-0.08173540234565735,-0.08879115432500839,0.12926124036312103,-0.17555926740169525,0.09487798064947128,0.18004149198532104,0.12403476238250732,0.1742771714925766,0.12325038015842438,0.1200450137257576,0.055537573993206024,-0.0037545764353126287,-0.19864462316036224,-0.020291069522500038,0.003964624833315611,-0.04762138053774834,0.032757338136434555,0.07759540528059006]') < 1e-4 AS matches_reference
FROM photos, face_embed_all(img) WHERE name = 'sample2';
-- face counts of the reference run: 3, 1, 3, 3, 5, 5
SELECT name, count(*) AS faces FROM photos, face_embed_all(img) GROUP BY name ORDER BY name;
SELECT name, face_embed(img) IS NULL AS no_face FROM photos WHERE name IN ('noface', 'sample2') ORDER BY name;
RESET openface.mode;

-- the default pipeline finds the same faces, and the fourth person of sample4 (its small-face tiles)
SELECT name, count(*) AS faces FROM photos, face_embed_all(img) GROUP BY name ORDER BY name;
SELECT count(*) FROM photos, face_detect(img) WHERE name = 'noface';

-- face_detect: 68 landmarks inside the face box (with margin)
SELECT face, array_length(landmarks, 1) AS points,
       (SELECT bool_and(p[0] BETWEEN box[1] - box[3] * 0.2 AND box[1] + box[3] * 1.2
                    AND p[1] BETWEEN box[2] - box[4] * 0.2 AND box[2] + box[4] * 1.2)
        FROM unnest(landmarks) p) AS inside
FROM photos, face_detect(img) WHERE name = 'sample2';

-- face_chip: a 150x150 PNG; NULL for a face that does not exist
SELECT substring(face_chip(img) FROM 1 FOR 8) = '\x89504e470d0a1a0a'::bytea AS png,
       get_byte(face_chip(img), 19) AS width_lo, get_byte(face_chip(img), 23) AS height_lo,
       face_chip(img, 2) IS NULL AS no_second_face
FROM photos WHERE name = 'sample2';

-- descriptors are raw (not unit-norm): norms about 1.3-1.6
SELECT bool_and(l2_norm(embedding) BETWEEN 1.2 AND 1.7) AS raw_norms
FROM photos, face_embed_all(img);

-- openface.jitter: extra views averaged into the descriptor (default 2, the
-- mirror image and the chip in dlib's geometry); the same photo gets the same
-- descriptor every time, a little away from the one-view one
SHOW openface.jitter;
SET openface.jitter = 0;
CREATE TABLE one_view AS SELECT face_embed(img) AS e FROM photos WHERE name = 'sample2';
SET openface.jitter = 4;
SELECT face_embed(img) <-> face_embed(img) = 0 AS deterministic,
       face_embed(img) <-> e BETWEEN 0.001 AND 0.2 AS moved_a_little
FROM photos, one_view WHERE name = 'sample2';
RESET openface.jitter;
SET openface.jitter = 101;

-- hostile input: an ERROR with SQLSTATE, never a crash; the session goes on
\set VERBOSITY sqlstate
SELECT face_embed(''::bytea);
SELECT face_embed('\x00'::bytea);
SELECT face_embed(substring(img FROM 1 FOR 5000)) FROM photos WHERE name = 'sample2';
SELECT face_embed(substring(img FROM 1 FOR 20)) FROM photos WHERE name = 'sample2';
SELECT face_embed('GIF89a'::bytea || '\x0a000a00'::bytea);
-- headers claiming 60000 x 60000 pixels: refused before any pixel memory is allocated
SELECT face_embed('\x89504e470d0a1a0a0000000d494844520000ea600000ea60080600000080d275420000000b49444154789c63604005000010000139bd8f650000000049454e44ae426082'::bytea);
SELECT face_embed(overlay(img PLACING '\xea60ea60'::bytea FROM position('\xffc0'::bytea IN img) + 5 FOR 4))
FROM photos WHERE name = 'sample2';
-- a JPEG cut in the middle of its entropy-coded data
SELECT face_embed(substring(img FROM 1 FOR length(img) / 2)) FROM photos WHERE name = 'sample2';
SELECT face_embed(decode(repeat('ffd8ffe0', 100), 'hex'));
SET openface.max_image_pixels = 1000000;
SELECT face_embed(img) FROM photos WHERE name = 'sample2';
RESET openface.max_image_pixels;
SET openface.detector_input_size = 100;
\set VERBOSITY default
SELECT face_embed(img) FROM photos WHERE name = 'noface';
SELECT 'still alive' AS session;

-- EXIF orientation: sample2's face, cropped and turned a quarter turn
-- (jpegtran, lossless) and tagged orientation 6 as phones store portraits,
-- is turned upright before detection; the box is in upright coordinates
CREATE TABLE sideways AS SELECT pg_read_binary_file(:'fixtures' || '/photos/sideways_exif6.jpg') AS img;
SELECT box, round(score::numeric, 2) AS score FROM sideways, face_detect(img);
SELECT face_embed(s.img) <-> face_embed(p.img) < 0.15 AS same_face_as_sample2
  FROM sideways s, photos p WHERE p.name = 'sample2';
SET openface.exif_orientation = off;
SELECT count(*) AS faces_left_sideways FROM sideways, face_detect(img);
RESET openface.exif_orientation;
SET openface.mode = faceapi;
SELECT count(*) AS faces_faceapi_mode FROM sideways, face_detect(img);
RESET openface.mode;
DROP TABLE sideways;

-- HEIC and WebP: bbt3.jpg coded by heif-enc and cwebp finds the same five
-- faces, the most prominent embedded near the JPEG's (the other four faces
-- lie beyond 0.7); sample2's sideways face, as a HEIC turned by its irot box
-- and a WebP by its EXIF chunk, is upright exactly when the JPEG is
CREATE TABLE formats AS SELECT format, pg_read_binary_file(:'fixtures' || '/' || path) AS img
FROM (VALUES ('jpeg', 'photos/bbt3.jpg'), ('heic', 'formats/bbt3.heic'), ('webp', 'formats/bbt3.webp')) v(format, path);
SELECT f.format, count(*) AS faces,
       (SELECT face_embed(img) FROM formats WHERE format = 'jpeg') <-> face_embed(f.img) < 0.2 AS near_jpeg
FROM formats f, face_detect(f.img) GROUP BY f.format, f.img ORDER BY f.format;
CREATE TABLE sideways AS SELECT format, pg_read_binary_file(:'fixtures' || '/' || path) AS img
FROM (VALUES ('jpeg', 'photos/sideways_exif6.jpg'), ('heic', 'formats/sideways_irot6.heic'),
             ('webp', 'formats/sideways_exif6.webp')) v(format, path);
SELECT format, box[1] BETWEEN 210 AND 220 AND box[2] BETWEEN 181 AND 191 AS upright_box,
       (SELECT face_embed(img) FROM sideways WHERE format = 'jpeg') <-> embedding < 0.1 AS near_jpeg
FROM sideways, face_embed_all(img) ORDER BY format;
SET openface.exif_orientation = off;
SELECT format, count(face) AS faces_left_sideways FROM sideways LEFT JOIN face_detect(img) ON true
GROUP BY format ORDER BY format;
RESET openface.exif_orientation;
SET openface.mode = faceapi;
SELECT format, count(face) AS faces_faceapi_mode FROM sideways LEFT JOIN face_detect(img) ON true
GROUP BY format ORDER BY format;
RESET openface.mode;
-- damaged, truncated and oversized: the same SQLSTATEs as JPEG and PNG
\set VERBOSITY sqlstate
SELECT face_embed(substring(img FROM 1 FOR 20000)) FROM formats WHERE format = 'heic';
SELECT face_embed(substring(img FROM 1 FOR 20000)) FROM formats WHERE format = 'webp';
SELECT face_embed(substring(img FROM 1 FOR 13)) FROM formats WHERE format = 'heic';
-- a WebP frame header claiming 16383 x 16383, a HEIC whose ispe boxes claim 20000 x 20000
SELECT face_embed(overlay(img PLACING '\xff3fff3f'::bytea FROM 27 FOR 4)) FROM formats WHERE format = 'webp';
WITH a AS (SELECT img, position('ispe' IN img) + 8 AS p FROM formats WHERE format = 'heic'),
     b AS (SELECT overlay(img PLACING '\x00004e2000004e20'::bytea FROM p FOR 8) AS img, p FROM a)
SELECT face_embed(overlay(img PLACING '\x00004e2000004e20'::bytea
                          FROM p + position('ispe' IN substring(img FROM p)) + 7 FOR 8)) FROM b;
\set VERBOSITY default
SELECT face_embed(substring(img FROM 1 FOR 20000)) FROM formats WHERE format = 'webp';
-- AVIF is not decoded
SELECT face_embed('\x0000001c6674797061766966'::bytea || '\x00'::bytea);
DROP TABLE formats, sideways;

-- statement_timeout cancels a long embedding promptly
SET statement_timeout = '50ms';
SELECT count(face_embed(img)) FROM photos, generate_series(1, 20);
RESET statement_timeout;

-- parallel workers embed photos
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE photos SET (parallel_workers = 2);
EXPLAIN (COSTS OFF) SELECT count(face_embed(img)) FROM photos;
SELECT count(face_embed(img)) FROM photos;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

DROP TABLE photos;
