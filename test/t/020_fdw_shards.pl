# Shards through postgres_fdw: a coordinator whose hash partitions are
# foreign tables on two shard servers.  face_embedding and its operators
# ship to the shards (extensions 'openface'), kNN results equal a single
# server's, photos inserted through the coordinator are embedded by the
# shard's trigger, and an SVM trains on the coordinator from all shards.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $fixtures = $ENV{OPENFACE_FIXTURES} or plan skip_all => 'OPENFACE_FIXTURES not set';

my @shards = map { PostgreSQL::Test::Cluster->new("shard$_") } (1, 2);
my $coord = PostgreSQL::Test::Cluster->new('coordinator');
$_->init for ($coord, @shards);
$_->start for ($coord, @shards);

my $shard_table = q{
    CREATE EXTENSION openface;
    CREATE TABLE faces (id int PRIMARY KEY, person text, photo bytea, embedding face_embedding);
    CREATE TRIGGER embed BEFORE INSERT OR UPDATE ON faces
        FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding');
};
$_->safe_psql('postgres', $shard_table) for @shards;

# Coordinator: the same table, hash-partitioned over foreign tables, plus a
# local copy of the same rows to compare with.
my $servers = join "\n", map {
    my $i = $_ + 1;
    my $s = $shards[$_];
    "CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw
         OPTIONS (host '@{[ $s->host ]}', port '@{[ $s->port ]}', dbname 'postgres',
                  extensions 'openface', async_capable 'true', fetch_size '50');
     CREATE USER MAPPING FOR CURRENT_USER SERVER shard$i;
     CREATE FOREIGN TABLE faces_$i PARTITION OF faces FOR VALUES WITH (MODULUS 2, REMAINDER $_)
         SERVER shard$i OPTIONS (table_name 'faces');"
} (0, 1);
$coord->safe_psql('postgres', qq{
    CREATE EXTENSION openface;
    CREATE EXTENSION postgres_fdw;
    CREATE TABLE faces (id int, person text, photo bytea, embedding face_embedding) PARTITION BY HASH (id);
    $servers
    CREATE TABLE local_faces (id int PRIMARY KEY, person text, photo bytea, embedding face_embedding);
});

# 2,000 face-like embeddings (250 people x 8), inserted through the coordinator.
my $gen = q{
    SELECT setseed(0.77);
    CREATE TEMP TABLE centre AS
    SELECT p, l2_normalize(face_embedding(array(
        SELECT (sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
        FROM generate_series(1, 128) WHERE p > 0))) AS c FROM generate_series(1, 250) p;
    CREATE TEMP TABLE gen AS
    SELECT row_number() OVER (ORDER BY p, s)::int AS id, 'p' || p AS person,
           l2_normalize(face_embedding(array(
               SELECT (x + 0.03 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
               FROM unnest(c::real[]) x WHERE s > 0))) AS embedding
    FROM centre, generate_series(1, 8) s;
};
$coord->safe_psql('postgres', $gen . q{
    INSERT INTO faces (id, person, embedding) SELECT * FROM gen;
    INSERT INTO local_faces (id, person, embedding) SELECT * FROM gen;
});
my ($n1, $n2) = map { $_->safe_psql('postgres', 'SELECT count(*) FROM faces') } @shards;
is($n1 + $n2, 2000, 'every row landed on a shard');
ok($n1 > 800 && $n2 > 800, "rows spread over both shards ($n1 / $n2)");

# kNN through the coordinator equals the local answer.
my $q = q{(SELECT embedding FROM local_faces WHERE id = 17)};
my $knn = "SELECT id, round((embedding <-> $q)::numeric, 6) FROM %s ORDER BY embedding <-> $q, id LIMIT 10";
is($coord->safe_psql('postgres', sprintf($knn, 'faces')),
   $coord->safe_psql('postgres', sprintf($knn, 'local_faces')),
   'kNN over the shards equals the single-server answer');

# The distance ordering runs on the shards.
my $plan = $coord->safe_psql('postgres', qq{
    SET enable_partitionwise_aggregate = on;
    EXPLAIN (VERBOSE, COSTS OFF)
    SELECT id FROM faces ORDER BY embedding <-> '@{[ $coord->safe_psql('postgres', "SELECT embedding FROM local_faces WHERE id = 17") ]}' LIMIT 10});
like($plan, qr/Remote SQL: SELECT .* ORDER BY \(embedding OPERATOR\(public\.<->\)/,
     'ORDER BY embedding <-> q is shipped to the shards');
unlike($plan, qr/\n\s*->\s+Sort\b/, 'no local sort of all rows on the coordinator');

# Written per shard, the query ships whole (ORDER BY and LIMIT): each shard
# returns only its k nearest and the coordinator merges them.  (PostgreSQL 15
# runs foreign scans asynchronously only under Append, not Merge Append.)
my $qlit = $coord->safe_psql('postgres', 'SELECT embedding FROM local_faces WHERE id = 17');
my $per_shard = join ' UNION ALL ', map {
    "(SELECT id, embedding <-> '$qlit' AS d FROM faces_$_ ORDER BY d LIMIT 10)"
} (1, 2);
my $merged = "SELECT id, round(d::numeric, 6) FROM ($per_shard) s ORDER BY d, id LIMIT 10";
is($coord->safe_psql('postgres', $merged), $coord->safe_psql('postgres', sprintf($knn, 'local_faces')),
   'per-shard top-k merged on the coordinator equals the single-server answer');
$plan = $coord->safe_psql('postgres', "EXPLAIN (VERBOSE, COSTS OFF) $merged");
like($plan, qr/Remote SQL: SELECT .* ORDER BY .* LIMIT 10::bigint/, 'ORDER BY and LIMIT run on each shard');

# Radius search and functions ship too.
my $radius = "SELECT count(*) FROM %s WHERE embedding <-> $q < 0.6";
is($coord->safe_psql('postgres', sprintf($radius, 'faces')),
   $coord->safe_psql('postgres', sprintf($radius, 'local_faces')),
   'radius query over the shards equals the single-server answer');
like($coord->safe_psql('postgres', "EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM faces WHERE l2_norm(embedding) > 0.5"),
     qr/Remote SQL: .*WHERE .*l2_norm\(embedding\)/, 'openface functions are shippable');

# Photos inserted through the coordinator are embedded by the shard's trigger.
$coord->safe_psql('postgres', qq{
    INSERT INTO faces (id, person, photo)
    SELECT 10000 + i, 'sample' || i, pg_read_binary_file('$fixtures/images/sample' || i || '.jpg')
    FROM generate_series(1, 6) i;
});
is($coord->safe_psql('postgres', 'SELECT count(embedding) FROM faces WHERE id > 10000'), '6',
   'photos inserted through the coordinator were embedded on their shards');
is($coord->safe_psql('postgres', qq{
    SELECT count(*) FROM faces f WHERE id > 10000
    AND f.embedding = face_embed(pg_read_binary_file('$fixtures/images/sample' || (id - 10000) || '.jpg'))}),
   '6', 'the shard trigger computed the same embedding as face_embed on the coordinator');

# An SVM trains on the coordinator from every shard.
my $summary = $coord->safe_psql('postgres',
    q{SELECT classes, samples FROM face_svm_train('faces', 'person', 'embedding')});
is($summary, '256|2006', 'face_svm_train read all rows of both shards');
is($coord->safe_psql('postgres', "SELECT face_svm_predict('faces', embedding) FROM local_faces WHERE id = 17"),
   $coord->safe_psql('postgres', 'SELECT person FROM local_faces WHERE id = 17'),
   'the model trained over the shards predicts the right person');

$_->stop for ($coord, @shards);
done_testing();
