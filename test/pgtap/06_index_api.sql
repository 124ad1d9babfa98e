-- The facegraph index API surface (extension/parts/30_index.sql,
-- src/pg/fgutils.c): the access method, its operator classes with their
-- operators and support functions, face_sphere radius search, the checker
-- and its privileges, the index options and the openface.* index settings.
BEGIN;
-- The openface.* settings and the facegraph reloptions exist once the library
-- is loaded: any openface function call loads it.
DO $$ BEGIN PERFORM l2_norm(array_fill(0, ARRAY[128])::face_embedding); END $$;
SELECT plan(42);

-- the access method
SELECT is((SELECT amtype::text FROM pg_am WHERE amname = 'facegraph'), 'i',
          'facegraph is an index access method');
SELECT is((SELECT amhandler::oid FROM pg_am WHERE amname = 'facegraph'),
          to_regprocedure('face_fg_handler(internal)')::oid, 'facegraph is served by face_fg_handler');
SELECT function_returns('face_fg_handler', ARRAY['internal'], 'index_am_handler');
SELECT isnt((SELECT obj_description(oid, 'pg_am') FROM pg_am WHERE amname = 'facegraph'), NULL,
            'facegraph has a comment (\dA+)');

-- its operator classes
SELECT is((SELECT array_agg(c.opcname::text || ' ' || format_type(c.opcintype, NULL) || ' '
                            || CASE WHEN c.opcdefault THEN 'default' ELSE 'non-default' END
                            ORDER BY c.opcname)
           FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod WHERE a.amname = 'facegraph'),
          ARRAY['face_cosine_ops face_embedding non-default', 'face_l2_ops face_embedding default'],
          'facegraph has face_l2_ops (the default for face_embedding) and face_cosine_ops');
SELECT is((SELECT array_agg(o.amopstrategy || ' ' || o.amoppurpose::text || ' ' || o.amopopr::regoperator::text
                            || coalesce(' ' || f.opfname::text, '') ORDER BY o.amopstrategy)
           FROM pg_amop o JOIN pg_opfamily fam ON fam.oid = o.amopfamily
           JOIN pg_am a ON a.oid = fam.opfmethod
           LEFT JOIN pg_opfamily f ON f.oid = o.amopsortfamily
           WHERE a.amname = 'facegraph' AND fam.opfname = 'face_l2_ops'),
          ARRAY['1 o <->(face_embedding,face_embedding) float_ops', '2 s <@(face_embedding,face_sphere)'],
          'face_l2_ops: ORDER BY <-> (float_ops), and the radius search <@');
SELECT is((SELECT array_agg(o.amopstrategy || ' ' || o.amoppurpose::text || ' ' || o.amopopr::regoperator::text
                            || coalesce(' ' || f.opfname::text, '') ORDER BY o.amopstrategy)
           FROM pg_amop o JOIN pg_opfamily fam ON fam.oid = o.amopfamily
           JOIN pg_am a ON a.oid = fam.opfmethod
           LEFT JOIN pg_opfamily f ON f.oid = o.amopsortfamily
           WHERE a.amname = 'facegraph' AND fam.opfname = 'face_cosine_ops'),
          ARRAY['1 o <=>(face_embedding,face_embedding) float_ops'],
          'face_cosine_ops: ORDER BY <=> (float_ops) only');
SELECT is((SELECT array_agg(p.amprocnum || ' ' || p.amproc::regprocedure::text ORDER BY p.amprocnum)
           FROM pg_amproc p JOIN pg_opfamily fam ON fam.oid = p.amprocfamily
           JOIN pg_am a ON a.oid = fam.opfmethod
           WHERE a.amname = 'facegraph' AND fam.opfname = 'face_l2_ops'),
          ARRAY['1 face_fg_metric_l2(internal)'], 'face_l2_ops support function 1: the L2 metric');
SELECT is((SELECT array_agg(p.amprocnum || ' ' || p.amproc::regprocedure::text ORDER BY p.amprocnum)
           FROM pg_amproc p JOIN pg_opfamily fam ON fam.oid = p.amprocfamily
           JOIN pg_am a ON a.oid = fam.opfmethod
           WHERE a.amname = 'facegraph' AND fam.opfname = 'face_cosine_ops'),
          ARRAY['1 face_fg_metric_cosine(internal)'], 'face_cosine_ops support function 1: the cosine metric');
SELECT function_returns('face_fg_metric_l2', ARRAY['internal'], 'integer');
SELECT function_returns('face_fg_metric_cosine', ARRAY['internal'], 'integer');

-- radius search: embedding <@ face_sphere(center, radius)
SELECT has_type('face_sphere');
SELECT is((SELECT typlen || ' ' || typalign::text || ' ' || typstorage::text FROM pg_type
           WHERE oid = to_regtype('face_sphere')), '516 i p',
          'face_sphere is fixed-length (a face_embedding and a float8), never TOASTed');
SELECT function_returns('face_sphere', ARRAY['face_embedding', 'double precision'], 'face_sphere');
SELECT function_returns('face_sphere_center', ARRAY['face_sphere'], 'face_embedding');
SELECT function_returns('face_sphere_radius', ARRAY['face_sphere'], 'double precision');
SELECT function_returns('face_sphere_contains', ARRAY['face_embedding', 'face_sphere'], 'boolean');
SELECT has_operator('face_embedding', '<@', 'face_sphere', 'boolean');
SELECT is((SELECT oprcode::text || ' ' || oprrest::text || ' ' || oprjoin::text FROM pg_operator
           WHERE oprname = '<@' AND oprleft = 'face_embedding'::regtype AND oprright = to_regtype('face_sphere')),
          'face_sphere_contains contsel contjoinsel', '<@ is face_sphere_contains, estimated as containment');
SELECT is_empty($$
    SELECT f FROM unnest(ARRAY['face_sphere_in(cstring)', 'face_sphere_out(face_sphere)',
                               'face_sphere(face_embedding, float8)', 'face_sphere_center(face_sphere)',
                               'face_sphere_radius(face_sphere)', 'face_sphere_contains(face_embedding, face_sphere)',
                               'face_fg_metric_l2(internal)', 'face_fg_metric_cosine(internal)']) f
    LEFT JOIN pg_proc p ON p.oid = to_regprocedure(f)
    WHERE p.oid IS NULL OR p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's' $$,
    'face_sphere and metric functions exist, all IMMUTABLE STRICT PARALLEL SAFE');
SELECT is(face_sphere_radius(face_sphere(array_fill(1, ARRAY[128])::face_embedding, 0.5)), 0.5::float8,
          'face_sphere keeps its radius');
SELECT is(face_sphere(array_fill(0.5, ARRAY[128])::face_embedding, 0.25)::text,
          '(' || array_fill(0.5, ARRAY[128])::face_embedding::text || ',0.25)', 'face_sphere text form');
SELECT ok(array_fill(1, ARRAY[128])::face_embedding <@ face_sphere(array_fill(1, ARRAY[128])::face_embedding, 0)
          AND NOT array_fill(1, ARRAY[128])::face_embedding
                  <@ face_sphere(array_fill(0, ARRAY[128])::face_embedding, 11.3),
          '<@ is within the L2 radius, boundary included');
SELECT throws_ok($$ SELECT face_sphere(array_fill(0, ARRAY[128])::face_embedding, -1) $$, '22023', NULL,
                 'a negative radius is refused');

-- the checker: superuser-granted, like amcheck
SELECT function_returns('face_index_check', ARRAY['regclass'], 'setof record');
SELECT is(pg_get_function_arguments(to_regprocedure('face_index_check(regclass)')),
          'index regclass, OUT problem text, OUT element tid, OUT detail text',
          'face_index_check arguments and OUT columns');
SELECT volatility_is('face_index_check', ARRAY['regclass'], 'volatile');
SELECT is_strict('face_index_check', ARRAY['regclass']);
SELECT function_privs_are('face_index_check', ARRAY['regclass'], 'public', ARRAY[]::name[],
                          'PUBLIC may not execute face_index_check');

-- index options (README: m 4-64, default 24; ef_construction 10-1000, >= m, default 80)
CREATE TABLE tap_faces (embedding face_embedding);
SELECT lives_ok($$ CREATE INDEX tap_bounds_lo ON tap_faces USING facegraph (embedding)
                   WITH (m = 4, ef_construction = 10) $$, 'm = 4, ef_construction = 10 are accepted');
SELECT lives_ok($$ CREATE INDEX tap_bounds_hi ON tap_faces USING facegraph (embedding face_cosine_ops)
                   WITH (m = 64, ef_construction = 1000) $$, 'm = 64, ef_construction = 1000 are accepted');
SELECT throws_ok($$ CREATE INDEX ON tap_faces USING facegraph (embedding) WITH (m = 3) $$, '22023', NULL,
                 'm below 4 is refused');
SELECT throws_ok($$ CREATE INDEX ON tap_faces USING facegraph (embedding) WITH (m = 65) $$, '22023', NULL,
                 'm above 64 is refused');
SELECT throws_ok($$ CREATE INDEX ON tap_faces USING facegraph (embedding) WITH (ef_construction = 9) $$,
                 '22023', NULL, 'ef_construction below 10 is refused');
SELECT throws_ok($$ CREATE INDEX ON tap_faces USING facegraph (embedding) WITH (ef_construction = 1001) $$,
                 '22023', NULL, 'ef_construction above 1000 is refused');
SELECT throws_ok($$ CREATE INDEX ON tap_faces USING facegraph (embedding) WITH (m = 32, ef_construction = 31) $$,
                 '22023', 'ef_construction (31) must be at least m (32)', 'ef_construction below m is refused');
SELECT lives_ok($$ CREATE INDEX tap_default ON tap_faces USING facegraph (embedding) $$,
                'an index with the default operator class');
SELECT is((SELECT opcname::text FROM pg_index i JOIN pg_opclass c ON c.oid = i.indclass[0]
           WHERE i.indexrelid = to_regclass('tap_default')), 'face_l2_ops',
          'face_l2_ops is picked when none is named');

-- settings (README: ef_search 128, strict_order on, build_threads 2)
SELECT is(current_setting('openface.ef_search'), '128', 'openface.ef_search defaults to 128');
SELECT is(current_setting('openface.strict_order'), 'on', 'openface.strict_order defaults to on');
SELECT is(current_setting('openface.build_threads'), '2', 'openface.build_threads defaults to 2');
SELECT is((SELECT array_agg(name || ' ' || context || ' ' || vartype || ' ' || coalesce(min_val || '..' || max_val, '')
                            ORDER BY name)
           FROM pg_settings WHERE name IN ('openface.ef_search', 'openface.strict_order', 'openface.build_threads')),
          ARRAY['openface.build_threads user integer 1..16', 'openface.ef_search user integer 1..1000',
                'openface.strict_order user bool '],
          'the index settings: any user may set them, within their ranges');

SELECT * FROM finish();
ROLLBACK;
