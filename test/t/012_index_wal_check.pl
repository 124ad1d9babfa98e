# facegraph WAL: with wal_consistency_checking = 'Generic' a standby replays
# the build, inserts, vacuum and a second build and compares every page it
# redoes with the primary's image; any difference stops it with
# "inconsistent page found".
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use FaceGraphTest;

my $primary = PostgreSQL::Test::Cluster->new('fgwalprimary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "wal_consistency_checking = 'Generic'");
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION openface');
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('fgwalstandby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;

$primary->safe_psql('postgres', FaceGraphTest::setup_sql(extension => 0, rows => 800) . q{
    CREATE INDEX t_e ON t USING facegraph (e);
    CREATE INDEX t_c ON t USING facegraph (e face_cosine_ops) WITH (m = 8, ef_construction = 32);
    INSERT INTO t (e) SELECT sample(i) FROM generate_series(801, 1600) i;
    DELETE FROM t WHERE id % 3 = 0;
    VACUUM t;
    UPDATE t SET e = sample(id + 7) WHERE id % 7 = 0;
    VACUUM t;
    INSERT INTO t (e) SELECT sample(i) FROM generate_series(1601, 2000) i;
    CREATE UNLOGGED TABLE u (e face_embedding);
    CREATE INDEX ON u USING facegraph (e);
    INSERT INTO u SELECT e FROM t LIMIT 100;
});
$primary->wait_for_catchup($standby);

is($primary->safe_psql('postgres', 'SHOW wal_consistency_checking'), 'Generic', 'consistency checking is on for generic WAL');
ok(!$standby->log_contains('inconsistent page found'), 'no inconsistent page during redo');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM t'),
	$primary->safe_psql('postgres', 'SELECT count(*) FROM t'), 'standby caught up and serves queries');
is($standby->safe_psql('postgres', q{SELECT count(*) FROM face_index_check('t_e') WHERE problem <> 'dead heap tuple'}),
	'0', 'replayed graph checks clean');

$standby->stop;
$primary->stop;
done_testing();
