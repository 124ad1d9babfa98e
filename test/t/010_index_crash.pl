# facegraph crash safety: a stream of inserts is cut by an immediate stop;
# after recovery the index answers kNN queries exactly like a sequential scan
# (at a search width covering the table), and after VACUUM the graph checks
# clean.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use FaceGraphTest;

my $node = PostgreSQL::Test::Cluster->new('fgcrash');
$node->init;
$node->start;

# Clustered data: 8 samples around each of many random centres.
my $setup = FaceGraphTest::setup_sql(rows => 1500, seed => 0.1)
  . 'CREATE INDEX t_e ON t USING facegraph (e);';
$node->safe_psql('postgres', $setup);

my $bg = $node->background_psql('postgres', on_error_stop => 0);
$bg->query_until(qr/started/, q{
    \echo started
    DO $$ BEGIN
      FOR i IN 1501..200000 LOOP
        INSERT INTO t (e) SELECT sample(i);
        IF i % 3 = 0 THEN COMMIT; END IF;
      END LOOP;
    END $$;
});
$node->poll_query_until('postgres', 'SELECT count(*) >= 4000 FROM t')
  or die 'insert stream did not progress';
$node->stop('immediate');
eval { $bg->quit; };

$node->start;
my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
cmp_ok($rows, '>=', 4000, "rows committed before the crash survive ($rows)");

# kNN through the index equals the exact answer.
my $knn = q{
    SELECT string_agg(r, ';' ORDER BY q) FROM (
      SELECT q, (SELECT string_agg(id::text, ',' ORDER BY d, id) FROM
                  (SELECT id, e <-> (SELECT e FROM t WHERE id = q) AS d FROM t
                   ORDER BY e <-> (SELECT e FROM t WHERE id = q) LIMIT 10) s) AS r
      FROM generate_series(7, 4000, 97) q) x
};
my $exact = $node->safe_psql('postgres',
	"SET enable_indexscan = off; SET enable_bitmapscan = off; $knn");
my $index = $node->safe_psql('postgres',
	"SET enable_seqscan = off; SET openface.ef_search = 1000; EXPLAIN (COSTS OFF) $knn");
like($index, qr/Index Scan using t_e/, 'the kNN query uses the index');
$index = $node->safe_psql('postgres',
	"SET enable_seqscan = off; SET openface.ef_search = 1000; $knn");
is($index, $exact, 'index kNN after crash recovery equals the exact scan');

# The index keeps working: inserts, vacuum, a clean check.
$node->safe_psql('postgres', 'INSERT INTO t (e) SELECT sample(i) FROM generate_series(1, 200) i');
$node->safe_psql('postgres', 'VACUUM t');
is($node->safe_psql('postgres', q{SELECT count(*) FROM face_index_check('t_e')}),
	'0', 'face_index_check is clean after recovery and vacuum');
$index = $node->safe_psql('postgres',
	"SET enable_seqscan = off; SET openface.ef_search = 1000; $knn");
$exact = $node->safe_psql('postgres',
	"SET enable_indexscan = off; SET enable_bitmapscan = off; $knn");
is($index, $exact, 'index kNN equals the exact scan after more inserts');

$node->stop;
done_testing();
