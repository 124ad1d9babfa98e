# facegraph under churn: VACUUM leaves the graph whole.
# 1. Rounds of deletes and VACUUMs run beside a stream of inserts, then two
#    VACUUMs with nothing else running: face_index_check reports nothing (no
#    link to a deleted element, nothing unreachable) and every row is found
#    by its own embedding.
# 2. An immediate shutdown during inserts, then VACUUM (which skips index
#    cleanup for so few dead rows): still nothing to report.
# 3. The check still reports an element whose heap line pointer VACUUM
#    freed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use FaceGraphTest;

my $node = PostgreSQL::Test::Cluster->new('fgchurn');
$node->init;
$node->append_conf('postgresql.conf', 'autovacuum = off');
$node->start;
$node->safe_psql('postgres', FaceGraphTest::setup_sql(rows => 2000, seed => 0.3) . q{
    CREATE TABLE stop (x int);
    CREATE INDEX t_e ON t USING facegraph (e) WITH (m = 8, ef_construction = 32);
});

# Inserts, one row a transaction, until told to stop.
my $stream = q{
    DO $$ BEGIN
      FOR i IN 1..100000 LOOP
        EXIT WHEN EXISTS (SELECT FROM stop);
        INSERT INTO t (e) SELECT sample(i);
        COMMIT;
      END LOOP;
    END $$;
};

my $ins = $node->background_psql('postgres');
$ins->query_until(qr/started/, "\\echo started\n$stream");
for my $round (1 .. 6)
{
	$node->safe_psql('postgres', "DELETE FROM t WHERE id % 5 = $round % 5 AND random() < 0.4");
	$node->safe_psql('postgres', 'VACUUM t');
}
$node->safe_psql('postgres', 'INSERT INTO stop VALUES (1)');
$ins->quit;

# face_index_check's problems, counted by kind.
sub problems
{
	return $node->safe_psql('postgres', q{
	    SELECT coalesce(string_agg(problem || ' ' || n, ', ' ORDER BY problem), 'none')
	    FROM (SELECT problem, count(*) n FROM face_index_check('t_e') GROUP BY problem) s});
}

$node->safe_psql('postgres', 'VACUUM t');
$node->safe_psql('postgres', 'VACUUM t');
is(problems(), 'none', 'after churn and two quiet VACUUMs face_index_check reports nothing');

# A search about as wide as the table walks everything reachable: a miss is
# a lost or cut-off element, not the ordinary recall of a narrow search.
my $selfsearch = q{
    SET enable_seqscan = off; SET openface.ef_search = 1000;
    SELECT count(*) FROM t r
    WHERE (SELECT id FROM t ORDER BY e <-> r.e LIMIT 1) <> r.id
};
is($node->safe_psql('postgres', $selfsearch), '0', 'every row finds itself through the index');

# From a fresh graph: an open transaction's rows reach disk with a
# checkpoint; the crash aborts them beside a stream of committed inserts.
$node->safe_psql('postgres', 'REINDEX INDEX t_e');
$node->safe_psql('postgres', 'TRUNCATE stop');
my $open = $node->background_psql('postgres', on_error_stop => 0);
$open->query_until(qr/opened/, q{
    BEGIN;
    INSERT INTO t (e) SELECT sample(i) FROM generate_series(1, 2) i;
    \echo opened
});
$ins = $node->background_psql('postgres', on_error_stop => 0);
$ins->query_until(qr/started/, "\\echo started\n$stream");
my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
$node->poll_query_until('postgres', "SELECT count(*) >= $rows + 200 FROM t")
  or die 'insert stream did not progress';
$node->safe_psql('postgres', 'CHECKPOINT');
$node->stop('immediate');
eval { $ins->quit; };
eval { $open->quit; };
$node->start;

my ($ret, $out, $err) = $node->psql('postgres', 'VACUUM (VERBOSE) t');
like($err, qr/index scan bypassed/, 'VACUUM after the crash skips index cleanup');
is(problems(), 'none', 'after the crash and VACUUM face_index_check reports nothing');
is($node->safe_psql('postgres', $selfsearch), '0', 'every row finds itself after the crash');

# Keep the index out of a VACUUM that frees dead rows' line pointers.
$node->safe_psql('postgres', q{
    UPDATE pg_index SET indisready = false WHERE indexrelid = 't_e'::regclass;
    DELETE FROM t WHERE id % 100 = 0;
});
$node->safe_psql('postgres', 'VACUUM t');
$node->safe_psql('postgres', q{UPDATE pg_index SET indisready = true WHERE indexrelid = 't_e'::regclass});
cmp_ok($node->safe_psql('postgres',
		q{SELECT count(*) FROM face_index_check('t_e') WHERE problem = 'dead heap tuple'}),
	'>', 0, 'elements of rows whose line pointers VACUUM freed are reported');

$node->stop;
done_testing();
