# The mapped model file cannot hang or crash a backend: a FIFO (or anything
# but a regular file) is refused at once, and a file replaced by rename, as
# make install does, is picked up by sessions that had mapped the old one.
use strict;
use warnings;
use POSIX qw(mkfifo);
use Time::HiRes qw(time);
use File::Copy qw(copy);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('model_file');
$node->init;
$node->start;
my $photo = "$ENV{OPENFACE_FIXTURES}/images/sample2.jpg";
$node->safe_psql('postgres', "CREATE EXTENSION openface;
    CREATE TABLE photo AS SELECT pg_read_binary_file('$photo') AS img");

my $fifo = $node->basedir . '/model.fifo';
mkfifo($fifo, 0600) or die "mkfifo: $!";
my $t0 = time;
my ($ret, $out, $err) = $node->psql('postgres',
    "SET statement_timeout = '60s'; SET openface.model_path = '$fifo'; SELECT face_embed(img) FROM photo");
isnt($ret, 0, 'a FIFO as the model file is an error');
like($err, qr/is not a regular file/, '... that says why');
cmp_ok(time - $t0, '<', 30, '... at once, not after statement_timeout');

my $installed = $node->safe_psql('postgres',
    q{SELECT setting FROM pg_config WHERE name = 'SHAREDIR'}) . '/openface/openface.ofm';
my $model = $node->basedir . '/model.ofm';
copy($installed, $model) or die "copy: $!";
($ret, $out, $err) = $node->psql('postgres', qq{
    SET openface.model_path = '$model';
    SELECT face_embed(img) IS NOT NULL AS first FROM photo;
    COPY (SELECT 1) TO PROGRAM 'head -c 4096 $model > $model.new && mv $model.new $model';
    SELECT face_embed(img) IS NOT NULL AS truncated FROM photo;
    COPY (SELECT 1) TO PROGRAM 'cp $installed $model.new && mv $model.new $model';
    SELECT face_embed(img) IS NOT NULL AS restored FROM photo;
}, on_error_stop => 0);
is($out, "t\nt", 'one session: embeds, fails on the replaced broken file, embeds again');
like($err, qr/could not load the openface models/, 'the broken replacement is read, not the old mapping');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server lives on');

$node->stop;
done_testing();
