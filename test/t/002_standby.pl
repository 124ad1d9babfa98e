# A streaming standby answers openface queries exactly as its primary does:
# embeddings of stored photos, nearest faces, and the aggregates.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $fixtures = $ENV{OPENFACE_FIXTURES} or plan skip_all => 'OPENFACE_FIXTURES not set';

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

$primary->safe_psql('postgres', qq{
    CREATE EXTENSION openface;
    CREATE TABLE photos (id int PRIMARY KEY, img bytea);
    INSERT INTO photos SELECT i, pg_read_binary_file('$fixtures/images/sample' || i || '.jpg')
    FROM generate_series(1, 6) i;
    CREATE TABLE faces AS SELECT id, f.face, f.embedding FROM photos, face_embed_all(img) f;
});
$primary->wait_for_catchup($standby);

my @queries = (
    q{SELECT id, face, md5(embedding::text) FROM faces ORDER BY id, face},
    q{SELECT id, md5(face_embed(img)::text) FROM photos ORDER BY id},
    q{SELECT f.id, f.face, round((f.embedding <-> q.embedding)::numeric, 6)
      FROM faces f, (SELECT embedding FROM faces WHERE id = 2 AND face = 1) q
      ORDER BY f.embedding <-> q.embedding, f.id, f.face LIMIT 5},
    q{SELECT md5(avg(embedding)::text) FROM faces},
);
for my $q (@queries) {
    my $p = $primary->safe_psql('postgres', $q);
    my $s = $standby->safe_psql('postgres', $q);
    ok($p ne '', 'primary answers: ' . substr($q, 0, 40));
    is($s, $p, 'standby answers the same: ' . substr($q, 0, 40));
}
cmp_ok($standby->safe_psql('postgres', 'SELECT count(*) FROM faces'), '>=', 20,
       'the 20 faces of the reference photos are all there');

$standby->stop;
$primary->stop;
done_testing();
