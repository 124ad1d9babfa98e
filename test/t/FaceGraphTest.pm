# What the facegraph TAP tests share: the table they churn and query.
#
#   use lib $FindBin::Bin;  use FaceGraphTest;
#   $node->safe_psql('postgres', FaceGraphTest::setup_sql(rows => 1500, seed => 0.1));
#
# setup_sql creates the extension (unless extension => 0), a function
# sample(seed) giving clustered 128-d vectors (8 consecutive seeds share a
# centre, like several photos of one person), a table t (id serial, e
# face_embedding) and, with rows => N, its first N rows.
package FaceGraphTest;

use strict;
use warnings;

my $sample_function = q{
    CREATE FUNCTION sample(seed int) RETURNS face_embedding LANGUAGE sql AS $$
      SELECT array_agg(sin(seed / 8 * 12.9898 + j * 78.233) + 0.15 * (random() - 0.5) ORDER BY j)::face_embedding
      FROM generate_series(1, 128) j $$;
};

sub setup_sql
{
	my (%opt) = @_;
	my $sql = ($opt{extension} // 1) ? "CREATE EXTENSION openface;\n" : '';
	$sql .= $sample_function;
	$sql .= "CREATE TABLE t (id serial PRIMARY KEY, e face_embedding);\n";
	$sql .= "SELECT setseed($opt{seed});\n" if defined $opt{seed};
	$sql .= "INSERT INTO t (e) SELECT sample(i) FROM generate_series(1, $opt{rows}) i;\n"
	  if $opt{rows};
	return $sql;
}

1;
