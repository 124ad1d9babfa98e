-- Every object a user meets in \df+, \do+, \dT+ and \dx+ says what it is,
-- and so does every setting (pg_settings.short_desc).
-- The openface.* settings exist once the library is loaded.
LOAD 'openface';
BEGIN;
SELECT plan(5);

SELECT is(ARRAY(SELECT p.oid::regprocedure::text
                  FROM pg_proc p
                  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'openface'
                 WHERE obj_description(p.oid, 'pg_proc') IS NULL
                 ORDER BY 1),
          '{}'::text[], 'every function and aggregate has a description');
SELECT is(ARRAY(SELECT o.oid::regoperator::text
                  FROM pg_operator o
                  JOIN pg_depend d ON d.classid = 'pg_operator'::regclass AND d.objid = o.oid AND d.deptype = 'e'
                  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'openface'
                 WHERE obj_description(o.oid, 'pg_operator') IS NULL
                 ORDER BY 1),
          '{}'::text[], 'every operator has a description');
SELECT is(ARRAY(SELECT t.oid::regtype::text
                  FROM pg_type t
                  JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
                  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'openface'
                 WHERE obj_description(t.oid, 'pg_type') IS NULL
                 ORDER BY 1),
          '{}'::text[], 'every type has a description');
SELECT is(ARRAY(SELECT pg_describe_object(d.classid, d.objid, 0)
                  FROM pg_depend d
                  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'openface'
                 WHERE d.deptype = 'e' AND obj_description(d.objid, d.classid::regclass::text) IS NULL
                 ORDER BY 1),
          '{}'::text[], 'every other member (tables, views, casts, operator classes and families, event triggers) has a description');
SELECT is(ARRAY(SELECT name FROM pg_settings
                 WHERE name LIKE 'openface.%' AND coalesce(short_desc, '') = '' ORDER BY 1),
          '{}'::text[], 'every openface.* setting has a description');

SELECT * FROM finish();
ROLLBACK;
