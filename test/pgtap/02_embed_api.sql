-- The photo-to-face API: functions, their volatility and safety, the
-- triggers and the openface.* settings.
-- The openface.* settings exist once the library is loaded (at first use).
LOAD 'openface';
BEGIN;
SELECT plan(40);

SELECT function_returns('face_embed', ARRAY['bytea'], 'face_embedding');
SELECT function_returns('face_embed_all', ARRAY['bytea'], 'setof record');
SELECT function_returns('face_detect', ARRAY['bytea'], 'setof record');
SELECT function_returns('face_chip', ARRAY['bytea', 'integer'], 'bytea');
SELECT function_returns('face_embed_trigger', ARRAY[]::text[], 'trigger');
SELECT function_returns('face_extract_trigger', ARRAY[]::text[], 'trigger');

-- STABLE, not IMMUTABLE: results follow the openface.* settings
SELECT volatility_is('face_embed', ARRAY['bytea'], 'stable');
SELECT volatility_is('face_embed_all', ARRAY['bytea'], 'stable');
SELECT volatility_is('face_detect', ARRAY['bytea'], 'stable');
SELECT volatility_is('face_chip', ARRAY['bytea', 'integer'], 'stable');
SELECT is_strict('face_embed', ARRAY['bytea']);
SELECT is_strict('face_chip', ARRAY['bytea', 'integer']);
SELECT is((SELECT string_agg(DISTINCT proparallel::text, '') FROM pg_proc
           WHERE proname IN ('face_embed', 'face_embed_all', 'face_detect', 'face_chip')), 's',
          'photo functions are PARALLEL SAFE');

SELECT is((SELECT array_agg(parameter_name::text ORDER BY ordinal_position)
           FROM information_schema.parameters p JOIN information_schema.routines r USING (specific_name)
           WHERE r.routine_name = 'face_embed_all'),
          ARRAY['image', 'face', 'box', 'score', 'embedding'], 'face_embed_all columns');
SELECT is((SELECT array_agg(parameter_name::text ORDER BY ordinal_position)
           FROM information_schema.parameters p JOIN information_schema.routines r USING (specific_name)
           WHERE r.routine_name = 'face_detect'),
          ARRAY['image', 'face', 'box', 'score', 'landmarks'], 'face_detect columns');
SELECT is((SELECT pg_get_function_arguments('face_chip(bytea, int)'::regprocedure)),
          'image bytea, face integer DEFAULT 1', 'face_chip defaults to the first face');
-- face_contact_sheet: STABLE (openface.max_image_pixels bounds it), STRICT
SELECT function_returns('face_contact_sheet', ARRAY['bytea[]', 'integer', 'integer'], 'bytea');
SELECT volatility_is('face_contact_sheet', ARRAY['bytea[]', 'integer', 'integer'], 'stable');
SELECT is_strict('face_contact_sheet', ARRAY['bytea[]', 'integer', 'integer']);
SELECT is((SELECT pg_get_function_arguments('face_contact_sheet(bytea[], int, int)'::regprocedure)),
          'images bytea[], columns integer DEFAULT 0, cell integer DEFAULT 150',
          'face_contact_sheet: square-ish grid of 150-pixel cells by default');

-- settings
SELECT is(current_setting('openface.mode'), 'default', 'openface.mode defaults to default');
SELECT is(current_setting('openface.detector_input_size'), '416', 'detector input 416');
SELECT is(current_setting('openface.min_score'), '0.5', 'min score 0.5');
SELECT is(current_setting('openface.max_image_pixels'), '50000000', 'max image pixels');
SELECT is(current_setting('openface.small_faces'), 'on', 'the small-face detector pass is on by default');
SELECT is(current_setting('openface.exif_orientation'), 'on', 'EXIF orientation is applied by default');
SELECT is(current_setting('openface.threads'), '1', 'one OpenBLAS thread per backend');
SELECT is((SELECT context FROM pg_settings WHERE name = 'openface.model_path'), 'superuser',
          'openface.model_path is superuser-only');
SELECT is(current_setting('openface.max_image_pixels_ceiling'), '50000000', 'max image pixels ceiling');
SELECT is((SELECT context FROM pg_settings WHERE name = 'openface.max_image_pixels_ceiling'), 'superuser',
          'openface.max_image_pixels_ceiling is superuser-only');
SELECT is(current_setting('openface.max_call_memory'), '1GB', 'max call memory 1GB');
SELECT is((SELECT context FROM pg_settings WHERE name = 'openface.max_call_memory'), 'superuser',
          'openface.max_call_memory is superuser-only');
-- an ordinary role may lower its own openface.max_image_pixels, but not the ceilings
CREATE ROLE openface_tap_user;
SELECT lives_ok($$ DO 'BEGIN SET LOCAL ROLE openface_tap_user; SET LOCAL openface.max_image_pixels = 1000;
                           RESET openface.max_image_pixels; RESET ROLE; END' $$,
                'an ordinary role may set openface.max_image_pixels');
SELECT throws_ok($$ DO 'BEGIN SET LOCAL ROLE openface_tap_user; SET LOCAL openface.max_image_pixels_ceiling = 1000; END' $$,
                 '42501', NULL, 'an ordinary role may not set openface.max_image_pixels_ceiling');
SELECT throws_ok($$ DO 'BEGIN SET LOCAL ROLE openface_tap_user; SET LOCAL openface.max_call_memory = ''2GB''; END' $$,
                 '42501', NULL, 'an ordinary role may not set openface.max_call_memory');
SELECT is((SELECT enumvals FROM pg_settings WHERE name = 'openface.mode'), ARRAY['default', 'faceapi'],
          'openface.mode choices');
SELECT throws_ok($$ SET openface.detector_input_size = 100 $$, '22023', NULL,
                 'detector input must be a multiple of 32');
SELECT throws_ok($$ SET openface.mode = 'fast' $$, '22023', NULL, 'unknown mode is refused');
SELECT throws_ok($$ SET openface.no_such_setting = 1 $$, '42602', NULL,
                 'the openface prefix is reserved: typos are errors');

-- errors carry SQLSTATEs
SELECT throws_ok($$ SELECT face_embed('GIF89a'::bytea) $$, '0A000', NULL, 'GIF: feature not supported');

SELECT * FROM finish();
ROLLBACK;
