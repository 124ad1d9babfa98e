# ALTER EXTENSION openface UPDATE brings a 0.1 (and a 0.2) installation and its data to
# the state of a fresh install: embeddings, a facegraph index and an SVM
# model stored under 0.1 all still work, and the extension's objects are the
# same as a fresh install's, down to comments, privileges and policies.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

my $people = q{
    CREATE TABLE people AS
    SELECT p * 100 + s AS id, 'person' || p AS person, l2_normalize(face_embedding(array(
        SELECT (x + 0.03 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
        FROM unnest(c::real[]) x WHERE s > 0))) AS emb
    FROM (SELECT p, l2_normalize(face_embedding(array(
              SELECT (sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
              FROM generate_series(1, 128) WHERE p > 0))) AS c
          FROM generate_series(1, 20) p) centre, generate_series(1, 8) s;
};

# The model as 0.1 stored it: its serialised form is unchanged, so one
# trained by this version in a scratch database stands in for it.
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', "CREATE EXTENSION openface VERSION '0.1'; SELECT setseed(0.5); $people");
$node->safe_psql('old', 'CREATE INDEX people_fg ON people USING facegraph (emb)');
$node->safe_psql('postgres', 'CREATE DATABASE scratch');
$node->safe_psql('scratch', 'CREATE EXTENSION openface');
$node->safe_psql('scratch', 'CREATE TABLE people (id int, person text, emb face_embedding)');
$node->safe_psql('scratch', 'INSERT INTO people VALUES ' . $node->safe_psql('old',
    q{SELECT string_agg(format('(%s, %L, %L)', id, person, emb), ',') FROM people}));
$node->safe_psql('scratch', q{SELECT face_svm_train('people', 'person', 'emb')});
$node->safe_psql('old', $node->safe_psql('scratch', q{
    SELECT format('INSERT INTO face_svm_model (source, label_column, embedding_column, labels, model, samples, c)
                   VALUES (%L, %L, %L, %L, %L, %s, %s)', source, label_column, embedding_column, labels,
                  model, samples, c) FROM face_svm_model}));
is($node->safe_psql('old', q{SELECT extversion || ' ' || count(*) FROM pg_extension, face_svm_model
                             WHERE extname = 'openface' GROUP BY extversion}),
   '0.1 1', 'a 0.1 installation with a stored model');

my $fingerprint = q{SELECT md5(string_agg(id || ':' || encode(face_embedding_send(emb), 'hex'), ',' ORDER BY id)) FROM people};
my $knn_query = q{SELECT id FROM people ORDER BY emb <-> (SELECT emb FROM people WHERE id = 301) LIMIT 5};
my $knn = "SET enable_seqscan = off; SELECT string_agg(id::text, ',') FROM ($knn_query) n";
my $before = $node->safe_psql('old', $fingerprint);
my $knn_before = $node->safe_psql('old', $knn);

my $current = $node->safe_psql('postgres',
    q{SELECT default_version FROM pg_available_extensions WHERE name = 'openface'});
$node->safe_psql('old', 'ALTER EXTENSION openface UPDATE');
is($node->safe_psql('old', q{SELECT extversion FROM pg_extension WHERE extname = 'openface'}),
   $current, "ALTER EXTENSION UPDATE reaches the current version ($current) from 0.1");
is($node->safe_psql('old', $fingerprint), $before, 'embeddings unchanged');
is($node->safe_psql('old', $knn), $knn_before, 'the index answers as before');
like($node->safe_psql('old', "SET enable_seqscan = off; EXPLAIN (COSTS OFF) $knn_query"), qr/people_fg/,
     '... through the index');
is($node->safe_psql('old', q{SELECT count(*) FROM face_index_check('people_fg')}), '0', 'index healthy');
$node->safe_psql('old', 'INSERT INTO people SELECT id + 10000, person, emb FROM people WHERE id < 200');
is($node->safe_psql('old', q{SET enable_seqscan = off;
    SELECT string_agg(id::text, ',' ORDER BY id) FROM
        (SELECT id FROM people ORDER BY emb <-> (SELECT emb FROM people WHERE id = 105) LIMIT 2) n}),
   '105,10105', 'the index takes inserts after the update (a copy is as near as its original)');
is($node->safe_psql('old', q{SELECT count(*) FROM people WHERE face_svm_predict('people', emb) = person}),
   '168', 'the 0.1 model names all 168 faces after the update');
$node->safe_psql('old', q{SELECT face_svm_train('people', 'person', 'emb')});
is($node->safe_psql('old', q{SELECT count(*) FROM people WHERE face_svm_predict('people', emb) = person}),
   '168', 'and so does one trained after it');

# The extension's objects, described in full: members, signatures and
# properties of functions, columns, comments, privileges, policies.
my $describe = q{
    SELECT string_agg(d, E'\n' ORDER BY d) FROM (
    SELECT pg_describe_object(classid, objid, objsubid) || ' | ' ||
           coalesce(obj_description(objid, classid::regclass::name), '-') AS d
      FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
       AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'openface')
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure || ' ' || p.provolatile::text || p.proisstrict::text ||
           p.proparallel::text || ' cost ' || p.procost || ' ' || pg_get_function_result(p.oid) || ' ' ||
           coalesce(p.proacl::text, 'default') || ' ' || coalesce(array_to_string(p.proconfig, ','), '')
      FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
     WHERE d.deptype = 'e'
    UNION ALL
    SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' ||
           format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' ' ||
           coalesce(pg_get_expr(ad.adbin, ad.adrelid), '')
      FROM pg_attribute a JOIN pg_depend d ON d.objid = a.attrelid AND d.classid = 'pg_class'::regclass
      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     WHERE d.deptype = 'e' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'relation ' || c.oid::regclass || ' ' || coalesce(c.relacl::text, 'default') || ' rls ' ||
           c.relrowsecurity::text || ' ' || coalesce(pg_get_viewdef(c.oid), '')
      FROM pg_class c JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass
     WHERE d.deptype = 'e'
    UNION ALL
    SELECT 'policy ' || polname || ' ' || pg_get_expr(polqual, polrelid) FROM pg_policy
    UNION ALL
    SELECT 'config ' || c::regclass FROM pg_extension, unnest(extconfig) c WHERE extname = 'openface'
    ) all_objects};
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION openface');
my $fresh = $node->safe_psql('fresh', $describe);
my $updated = $node->safe_psql('old', $describe);
is($updated, $fresh, 'the updated extension is the same as a fresh install');
# Every released version updates to the same objects.
for my $released ('0.2')
{
    (my $db = "from_$released") =~ tr/./_/;
    $node->safe_psql('postgres', "CREATE DATABASE $db");
    $node->safe_psql($db, "CREATE EXTENSION openface VERSION '$released'");
    $node->safe_psql($db, 'ALTER EXTENSION openface UPDATE');
    is($node->safe_psql($db, $describe), $fresh, "an install of $released updated is the same as a fresh install");
}
cmp_ok(scalar(split /\n/, $fresh), '>', 150, '... compared over every object');

$node->stop;
done_testing();
