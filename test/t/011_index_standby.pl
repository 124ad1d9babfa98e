# facegraph on a streaming standby: after a build, inserts, deletes and
# VACUUM on the primary, the standby returns the same kNN and radius answers.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use FaceGraphTest;

my $primary = PostgreSQL::Test::Cluster->new('fgprimary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', FaceGraphTest::setup_sql(rows => 1000, seed => 0.2));
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('fgstandby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;

$primary->safe_psql('postgres', q{
    CREATE INDEX t_e ON t USING facegraph (e);
    INSERT INTO t (e) SELECT sample(i) FROM generate_series(1001, 2000) i;
    DELETE FROM t WHERE id % 5 = 0;
    VACUUM t;
    INSERT INTO t (e) SELECT sample(i) FROM generate_series(2001, 2300) i;
});
$primary->wait_for_catchup($standby);

my $knn = q{
    SET enable_seqscan = off; SET openface.ef_search = 40;
    SELECT string_agg(r, ';' ORDER BY q) FROM (
      SELECT q, (SELECT string_agg(id::text, ',') FROM
                  (SELECT id FROM t ORDER BY e <-> (SELECT e FROM t WHERE id = q) LIMIT 10) s) AS r
      FROM generate_series(3, 2300, 41) q) x
};
my $radius = q{
    SET enable_seqscan = off; SET openface.ef_search = 40;
    SELECT sum((SELECT count(*) FROM t WHERE e <@ face_sphere((SELECT e FROM t WHERE id = q), 1.0)))
    FROM generate_series(3, 2300, 41) q
};
my $p = $primary->safe_psql('postgres', $knn);
my $s = $standby->safe_psql('postgres', $knn);
ok(length($p) > 100, 'primary answers kNN queries');
is($s, $p, 'standby kNN answers equal the primary');
is($standby->safe_psql('postgres', $radius), $primary->safe_psql('postgres', $radius),
	'standby radius answers equal the primary');
is($standby->safe_psql('postgres', q{SELECT count(*) FROM face_index_check('t_e') WHERE problem <> 'dead heap tuple'}),
	'0', 'the replicated graph checks clean');

$standby->stop;
$primary->stop;
done_testing();
