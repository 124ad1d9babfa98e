# pg_dump + pg_restore and COPY (FORMAT binary) round-trip face_embedding
# values bit-exactly, and per-table SVM models come along.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
    CREATE EXTENSION openface;
    CREATE TABLE faces (id int PRIMARY KEY, person text, emb face_embedding);
    SELECT setseed(0.42);
    INSERT INTO faces
    SELECT i, 'p' || (i % 37),
           face_embedding(array(SELECT (random() * 2 - 1)::real * (10 ^ (i % 7 - 3))::real
                                FROM generate_series(1, 128)))
    FROM generate_series(1, 500) i;
    INSERT INTO faces VALUES (501, 'nulls', NULL);
});

# A per-table SVM model is dumped with its table and predicts the same after
# restore (face-like data: 20 people x 8 unit vectors around their centre).
$node->safe_psql('postgres', q{
    CREATE TABLE people AS
    SELECT p, s, 'person' || p AS person, l2_normalize(face_embedding(array(
        SELECT (x + 0.03 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
        FROM unnest(c::real[]) x WHERE s > 0))) AS emb
    FROM (SELECT p, l2_normalize(face_embedding(array(
              SELECT (sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
              FROM generate_series(1, 128) WHERE p > 0))) AS c
          FROM generate_series(1, 20) p) centre, generate_series(1, 8) s;
    SELECT face_svm_train('people', 'person', 'emb');
});
my $predictions = q{SELECT string_agg(coalesce(face_svm_predict('people', emb), '-'), ',' ORDER BY p, s) FROM people};
my $predicted = $node->safe_psql('postgres', $predictions);
is($node->safe_psql('postgres', q{SELECT count(*) FROM people WHERE face_svm_predict('people', emb) = person}),
   '160', 'the model recognises every training face');

# A fingerprint of the exact bits: the binary send form of every value.
my $fingerprint = q{SELECT md5(string_agg(id || ':' || coalesce(encode(face_embedding_send(emb), 'hex'), 'NULL'), ',' ORDER BY id)) FROM faces};
my $before = $node->safe_psql('postgres', $fingerprint);

my $dump = $node->basedir . '/faces.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], 'pg_restore');
is($node->safe_psql('restored', $fingerprint), $before, 'pg_dump/pg_restore round-trips every bit');
is($node->safe_psql('restored', 'SELECT count(*) FROM faces'), '501', 'all rows restored');
is($node->safe_psql('restored', $predictions), $predicted, 'the SVM model survives pg_dump/pg_restore');

my $plain = $node->basedir . '/faces.sql';
$node->command_ok([ 'pg_dump', '-Fp', '-d', $node->connstr('postgres'), '-f', $plain ], 'pg_dump plain');
$node->safe_psql('postgres', 'CREATE DATABASE restored_plain');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored_plain'), '-f', $plain ],
    'plain dump replays');
is($node->safe_psql('restored_plain', $fingerprint), $before, 'text format round-trips every bit');
is($node->safe_psql('restored_plain', $predictions), $predicted, 'the SVM model survives a plain dump');

my $bin = $node->basedir . '/faces.bin';
$node->safe_psql('postgres', qq{
    COPY faces TO '$bin' (FORMAT binary);
    CREATE TABLE faces2 (LIKE faces);
    COPY faces2 FROM '$bin' (FORMAT binary);
});
is($node->safe_psql('postgres', $fingerprint =~ s/FROM faces/FROM faces2/r), $before,
   'COPY (FORMAT binary) round-trips every bit');

# A truncated binary COPY file is an error, not a crash, and the server lives on.
open(my $fh, '<:raw', $bin) or die;
my $data = do { local $/; <$fh> };
close $fh;
open($fh, '>:raw', "$bin.cut") or die;
print $fh substr($data, 0, 1000);
close $fh;
my ($ret, $out, $err) = $node->psql('postgres', qq{COPY faces2 FROM '$bin.cut' (FORMAT binary)});
isnt($ret, 0, 'truncated binary COPY fails');
like($err, qr/ERROR/, 'with an ERROR');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'server still answers');

# A database owner who is not a superuser dumps and restores the models of
# the tables they own (README, "Security model"): the model table shows each
# owner only their own models, through row-level security.
$node->safe_psql('postgres', q{
    CREATE ROLE regress_dbo LOGIN;
    CREATE DATABASE owned OWNER regress_dbo;
    CREATE DATABASE owned_restored OWNER regress_dbo;
});
$node->safe_psql('owned', 'CREATE EXTENSION openface');
$node->safe_psql('owned_restored', 'CREATE EXTENSION openface');
my $dbo = sub { $node->connstr($_[0]) . ' user=regress_dbo' };
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $dbo->('owned'), '-c', q{
    CREATE TABLE mine (person text, emb face_embedding);
    INSERT INTO mine SELECT 'p' || (i % 2),
        face_embedding(array(SELECT (CASE WHEN g % 2 = i % 2 THEN 0.2 ELSE 0 END + 0.01 * (g % 5))::real
                             FROM generate_series(1, 128) g))
    FROM generate_series(1, 8) i;
    SELECT face_svm_train('mine', 'person', 'emb');
} ], 'a non-superuser trains a model on their own table');
my $owned_predictions = q{SELECT string_agg(coalesce(face_svm_predict('mine', emb), '-'), ',' ORDER BY person) FROM mine};
my $owned_before = $node->safe_psql('owned', $owned_predictions);
is($owned_before, 'p0,p0,p0,p0,p1,p1,p1,p1', 'the model names every training face');
my $owned_dump = $node->basedir . '/owned.dump';
$node->command_ok([ 'pg_dump', '-Fc', '--enable-row-security', '--inserts', '-d', $dbo->('owned'),
                    '-f', $owned_dump ], 'the database owner dumps it');
$node->command_checks_all([ 'pg_restore', '--enable-row-security', '-d', $dbo->('owned_restored'), $owned_dump ],
    1, [qr/^$/], [qr/must be owner of extension openface/],
    'the database owner restores it (only the extension comment needs a superuser)');
is($node->safe_psql('owned_restored', $owned_predictions), $owned_before,
   "the owner's model survives a non-superuser dump and restore");

$node->stop;
done_testing();
