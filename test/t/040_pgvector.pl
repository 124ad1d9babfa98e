# openface_pgvector: casts between face_embedding and pgvector's vector, when
# pgvector is installed (skipped otherwise; openface itself never needs it).
# Values and distances survive the casts both ways, INSERTs convert between
# columns, a vector of another dimension is refused, a caller's search_path
# does not matter to the casts, and dropping vector leaves openface whole.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $sharedir = `pg_config --sharedir`;
chomp $sharedir;
plan skip_all => "pgvector is not installed ($sharedir/extension/vector.control)"
  unless -e "$sharedir/extension/vector.control";

my $node = PostgreSQL::Test::Cluster->new('pgvector');
$node->init;
$node->start;
my $photo = "$ENV{OPENFACE_FIXTURES}/photos/bbt3.jpg";

my ($ret, $out, $err) = $node->psql('postgres', 'CREATE EXTENSION openface_pgvector');
isnt($ret, 0, 'openface_pgvector needs its two extensions');
like($err, qr/required extension "openface" is not installed/, '... and says which');
$node->safe_psql('postgres', 'CREATE EXTENSION openface_pgvector CASCADE');
is($node->safe_psql('postgres', q{SELECT string_agg(extname, ' ' ORDER BY extname) FROM pg_extension}),
	'openface openface_pgvector plpgsql vector', 'CASCADE installs openface and vector');

# 300 random embeddings (the "0 * i" makes the subquery run per row) and the
# five faces of a photo.
$node->safe_psql('postgres', qq{
	SELECT setseed(0.15);
	CREATE TABLE f (id int PRIMARY KEY, e face_embedding);
	INSERT INTO f SELECT i, (SELECT array_agg((random() - 0.5)::real) FROM generate_series(1, 128 + 0 * i))
		FROM generate_series(1, 300) i;
	INSERT INTO f SELECT 1000 + face, embedding
		FROM face_embed_all(pg_read_binary_file('$photo'));
});
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE e::vector::face_embedding = e) || ' ' ||
	       count(*) FILTER (WHERE e::vector::real[] = e::real[]) || ' ' ||
	       count(*) FILTER (WHERE vector_dims(e::vector) = 128)
	FROM f}), '305 305 305', 'face_embedding -> vector -> face_embedding keeps every value, 128 dimensions');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM f a JOIN f b ON b.id = a.id + 1
	WHERE abs((a.e::vector <-> b.e::vector) - (a.e <-> b.e)) > 1e-5
	   OR abs((a.e::vector <=> b.e::vector) - (a.e <=> b.e)) > 1e-5
	   OR abs((a.e::vector <#> b.e::vector) - (a.e <#> b.e)) > 1e-5}), '0',
	'L2, cosine and inner-product distances agree across the cast');

# Assignment casts: columns of either type take the other.
$node->safe_psql('postgres', q{
	CREATE TABLE v (id int PRIMARY KEY, vec vector(128));
	INSERT INTO v SELECT id, e FROM f;
	CREATE TABLE back (id int PRIMARY KEY, e face_embedding);
	INSERT INTO back SELECT id, vec FROM v;
});
is($node->safe_psql('postgres', q{SELECT count(*) FROM f JOIN back USING (id) WHERE f.e = back.e}),
	'305', 'INSERT converts face_embedding into vector(128) and back, unchanged');
is($node->safe_psql('postgres', q{
	WITH q AS (SELECT e FROM f WHERE id = 1001)
	SELECT (SELECT string_agg(id::text, ' ') FROM (SELECT id FROM v ORDER BY vec <-> (SELECT e::vector FROM q) LIMIT 5) a)
	     = (SELECT string_agg(id::text, ' ') FROM (SELECT id FROM f ORDER BY e <-> (SELECT e FROM q) LIMIT 5) b)}),
	't', "pgvector's nearest neighbours of a face are openface's");

($ret, $out, $err) = $node->psql('postgres', q{SELECT '[1,2,3]'::vector::face_embedding});
isnt($ret, 0, 'a vector of 3 dimensions is no face_embedding');
like($err, qr/face_embedding must have 128 dimensions, not 3/, '... and the error says why');
($ret, $out, $err) = $node->psql('postgres', q{SELECT e::vector(64) FROM f LIMIT 1});
isnt($ret, 0, 'a face_embedding does not fit a vector(64)');

# The bodies were bound at CREATE EXTENSION: with neither extension's schema
# on the search_path (where a body parsed at call time finds no "vector"),
# the casts still work.
is($node->safe_psql('postgres', q{
	SET search_path = pg_catalog;
	SELECT count(*) FROM public.f
	WHERE CAST(CAST(e AS public.vector) AS public.face_embedding) OPERATOR(public.=) e}),
	'305', "the casts do not depend on the caller's search_path");

$node->safe_psql('postgres', 'DROP EXTENSION vector CASCADE');
is($node->safe_psql('postgres', q{
	SELECT string_agg(extname, ' ' ORDER BY extname) FROM pg_extension}),
	'openface plpgsql', 'DROP EXTENSION vector CASCADE takes openface_pgvector with it');
is($node->safe_psql('postgres', q{SELECT count(*) FROM f a, f b WHERE a.id = 1001 AND a.e <-> b.e < 1e-6}),
	'1', 'openface works on without them');

$node->stop;
done_testing();
