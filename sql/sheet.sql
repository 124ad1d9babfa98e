-- Contact sheets: face_contact_sheet tiles images into one PNG, and the
-- README's two recipes write it to a file on the client.  Fixtures from
-- $OPENFACE_FIXTURES (test/fixtures, copied by test/run-all.sh).
\getenv fixtures OPENFACE_FIXTURES
CREATE TABLE people AS
SELECT f, pg_read_binary_file(:'fixtures' || '/people/' || f) AS img
  FROM (VALUES ('Jim_Parsons__sheldon1.png'), ('Jim_Parsons__sheldon2.png'),
               ('Kaley_Cuoco__penny1.png'), ('Kaley_Cuoco__penny2.png'),
               ('Johnny_Galecki__leonard1.png')) v(f);

-- PNG signature and IHDR size (bytes 16-23)
CREATE FUNCTION png_size(png bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN substring(png FROM 1 FOR 8) = '\x89504e470d0a1a0a'::bytea
              THEN (get_byte(png, 16) << 24 | get_byte(png, 17) << 16 | get_byte(png, 18) << 8 | get_byte(png, 19))
                   || 'x' ||
                   (get_byte(png, 20) << 24 | get_byte(png, 21) << 16 | get_byte(png, 22) << 8 | get_byte(png, 23))
              ELSE 'not a PNG' END
$$;

-- 5 chips, columns 0: 3 columns, 2 rows of 150-pixel cells with 4-pixel
-- gaps: 3 x 154 + 4 = 466 by 2 x 154 + 4 = 312; each chip is a face again
CREATE TABLE sheet AS
SELECT face_contact_sheet(ARRAY(SELECT face_chip(img) FROM people ORDER BY f)) AS png;
SELECT png_size(png) FROM sheet;
SELECT count(*) >= 5 AS chips_found_as_faces FROM sheet, face_detect(png);
-- the photos themselves, 2 columns of 64-pixel cells: 2 x 68 + 4 by 3 x 68 + 4
SELECT png_size(face_contact_sheet(ARRAY(SELECT img FROM people ORDER BY f), 2, 64));
-- more columns than images: one row; a NULL image leaves its cell empty (white)
SELECT png_size(face_contact_sheet(ARRAY[NULL, (SELECT img FROM people LIMIT 1)], 10, 32));
SELECT face_contact_sheet('{}') IS NULL AS empty_is_null;

-- bounds: the sheet counts against openface.max_image_pixels
SET openface.max_image_pixels = 100000;
SELECT png_size(face_contact_sheet(ARRAY(SELECT img FROM people), 0, 150));
RESET openface.max_image_pixels;
SELECT face_contact_sheet(ARRAY(SELECT img FROM people), 0, 2000);
SELECT face_contact_sheet(ARRAY(SELECT img FROM people), -1);
SELECT face_contact_sheet(ARRAY['not an image'::bytea]);

-- Recipe 1, inside psql: through a large object to a file on the client.
\set sheetfile :fixtures '/../sheet-lo.png'
SELECT lo_from_bytea(0, face_contact_sheet(ARRAY(SELECT face_chip(img) FROM people ORDER BY f))) AS sheet_oid \gset
\lo_export :sheet_oid :sheetfile
SELECT lo_unlink(:sheet_oid);
-- Recipe 2, from a shell: base64 through psql -At
\set b64file :fixtures '/../sheet-b64.png'
\setenv SHEET_LO :sheetfile
\setenv SHEET_B64 :b64file
\setenv PGDATABASE :DBNAME
\! psql -XAtc "SELECT encode(face_contact_sheet(ARRAY(SELECT face_chip(img) FROM people ORDER BY f)), 'base64')" | base64 -d > "$SHEET_B64"
-- both files are the 466 x 312 PNG
\! /usr/bin/python3 -c 'import os,struct; [print(n, struct.unpack(">II", d[16:24]) if d[:8] == b"\x89PNG\r\n\x1a\n" else "not a PNG") for n in ("SHEET_LO", "SHEET_B64") for d in [open(os.environ[n], "rb").read()]]'
\! rm -f "$SHEET_LO" "$SHEET_B64"

DROP TABLE people, sheet;
DROP FUNCTION png_size(bytea);
