# Background embedding: face_embed_queue_trigger queues photos, two workers
# (openface.embed_workers) embed them exactly as face_embed does inline, an
# undecodable photo fails with its error and SQLSTATE without holding up the
# others, rows changed or deleted after queueing are handled, jobs pending at
# an immediate stop are done after the restart, a job whose worker died is
# retried at most three times, and no role can get the workers to write
# where that role may not.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $fixtures = $ENV{OPENFACE_FIXTURES} or plan skip_all => 'OPENFACE_FIXTURES not set';
my $people = "$fixtures/people";

my $node = PostgreSQL::Test::Cluster->new('embedqueue');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'openface'
openface.embed_workers = 2
openface.embed_job_timeout = '5s'
});
$node->start;

$node->poll_query_until('postgres',
    q{SELECT count(*) = 2 FROM pg_stat_activity WHERE backend_type = 'openface embed worker'})
  or die 'the workers did not start';
pass('openface.embed_workers = 2 starts two workers');

my $photo = sub { "pg_read_binary_file('$people/$_[0]')" };
$node->safe_psql('postgres', q{
    CREATE EXTENSION openface;
    CREATE TABLE photos (id bigserial PRIMARY KEY, name text, photo bytea, embedding face_embedding);
    CREATE TRIGGER embed_later BEFORE INSERT OR UPDATE ON photos
        FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding');
});
# Counted before the commit: once it commits, the workers start at once.
my $null_at_insert = $node->safe_psql('postgres', qq{
    BEGIN;
    INSERT INTO photos (name, photo)
        SELECT f, pg_read_binary_file('$people/' || f) FROM pg_ls_dir('$people') f;
    INSERT INTO photos (name, photo) VALUES
        ('undecodable', '\\x89504e470d0a1a0a0000'),
        ('no face', pg_read_binary_file('$fixtures/photos/noface_hubble.jpg'));
    SELECT count(*) FROM photos WHERE embedding IS NULL;
    COMMIT;
});
my $nfaces = $node->safe_psql('postgres', q{SELECT count(*) FROM pg_ls_dir('} . $people . q{')});
is($null_at_insert, $nfaces + 2,
   'the INSERT leaves the embeddings to the workers');

my $idle = q{SELECT count(*) = 0 FROM face_embed_queue WHERE state IN ('pending', 'running')};
$node->poll_query_until('postgres', $idle) or die 'the queue did not drain';
is($node->safe_psql('postgres', q{SELECT count(*) FROM photos
                                   WHERE embedding IS NOT NULL AND embedding = face_embed(photo)}),
   $nfaces, "all $nfaces faces embedded, each exactly as face_embed does inline");
is($node->safe_psql('postgres', q{SELECT pending, done, no_face, failed FROM face_embed_queue_status
                                   WHERE source = 'photos'::regclass}),
   "0|$nfaces|1|1", 'face_embed_queue_status counts them');
like($node->safe_psql('postgres', q{SELECT p.name || ' ' || q.sqlstate || ' ' || q.error
                                      FROM face_embed_queue q JOIN photos p ON p.id::text = q.row_key
                                     WHERE q.state = 'failed'}),
     qr/^undecodable 22000 could not decode image: /, 'the undecodable photo failed with its error and SQLSTATE');
is($node->safe_psql('postgres', q{SELECT q.state || ' ' || (p.embedding IS NULL)::text
                                    FROM face_embed_queue q JOIN photos p ON p.id::text = q.row_key
                                   WHERE p.name = 'no face'}),
   'no_face true', 'a photo without a face is no_face, its embedding NULL');

# Rows changed after they were queued, before a worker comes to them.
my ($a, $b) = ($photo->('Jim_Parsons__sheldon1.png'), $photo->('Kaley_Cuoco__penny1.png'));
$node->safe_psql('postgres', qq{
    BEGIN;
    INSERT INTO photos (id, name, photo) VALUES (1001, 'deleted', $a), (1002, 'replaced', $a),
                                                (1003, 'cleared', $a), (1004, 'renamed', $a);
    DELETE FROM photos WHERE id = 1001;
    UPDATE photos SET photo = $b WHERE id = 1002;
    UPDATE photos SET photo = NULL WHERE id = 1003;
    UPDATE photos SET id = 1005 WHERE id = 1004;
    COMMIT;
});
$node->poll_query_until('postgres', $idle) or die 'the queue did not drain';
is($node->safe_psql('postgres', q{SELECT count(*) FROM face_embed_queue WHERE row_key IN ('1001', '1003', '1004')}),
   '0', 'jobs of a deleted row, a photo set to NULL and a changed key are dropped');
is($node->safe_psql('postgres', qq{SELECT embedding = face_embed($b) FROM photos WHERE id = 1002}),
   't', 'a replaced photo: the embedding is the new photo\'s');
is($node->safe_psql('postgres', qq{SELECT embedding = face_embed($a) FROM photos WHERE id = 1005}),
   't', 'a row whose key changed is embedded under its new key');
$node->safe_psql('postgres', q{UPDATE photos SET name = 'kept' WHERE id = 1002});
is($node->safe_psql('postgres', q{SELECT count(*) FILTER (WHERE state = 'pending') || ' ' || (SELECT (embedding IS NOT NULL)::text
                                   FROM photos WHERE id = 1002) FROM face_embed_queue}),
   '0 true', 'an UPDATE that keeps the photo keeps the embedding and queues nothing');

# An immediate stop while the workers are busy: the jobs pending then are
# done after the restart, and every embedding is right.
$node->safe_psql('postgres', qq{
    INSERT INTO photos (name, photo)
        SELECT 'crash ' || f, pg_read_binary_file('$people/' || f) FROM pg_ls_dir('$people') f, generate_series(1, 3);
});
$node->poll_query_until('postgres',
    q{SELECT count(*) > 0 FROM photos WHERE name LIKE 'crash %' AND embedding IS NOT NULL})
  or die 'the workers did not start on the new photos';
my $pending = $node->safe_psql('postgres', q{SELECT count(*) FROM face_embed_queue WHERE state = 'pending'});
$node->stop('immediate');
cmp_ok($pending, '>', 0, "$pending jobs pending at the immediate stop");
$node->start;
$node->poll_query_until('postgres', $idle) or die 'the queue did not drain after the restart';
is($node->safe_psql('postgres', q{SELECT count(*) FILTER (WHERE embedding = face_embed(photo)) || '/' || count(*)
                                    FROM photos WHERE name LIKE 'crash %'}),
   3 * $nfaces . '/' . 3 * $nfaces, 'after the restart every queued photo is embedded, exactly');
is($node->safe_psql('postgres', q{SELECT count(*) FROM face_embed_queue WHERE state = 'done'}),
   4 * $nfaces + 3, 'every job is done');

# Jobs left running by workers that are gone (killed while embedding): back
# to pending, or failed once claimed three times, so a photo that kills its
# worker is not retried forever.
$node->safe_psql('postgres', qq{
    ALTER TABLE photos DISABLE TRIGGER embed_later;
    INSERT INTO photos (id, name, photo) VALUES (2001, 'orphan', $a), (2002, 'poison', $a);
    ALTER TABLE photos ENABLE TRIGGER embed_later;
    INSERT INTO face_embed_queue (source, trigger_name, row_key, state, worker, attempts) VALUES
        ('photos', 'embed_later', '2001', 'running', '1.1', 1),
        ('photos', 'embed_later', '2002', 'running', '1.1', 3);
});
$node->poll_query_until('postgres', $idle) or die 'the orphaned jobs were not released';
is($node->safe_psql('postgres', q{SELECT state || ' ' || attempts FROM face_embed_queue WHERE row_key = '2001'}),
   'done 2', 'a job its worker left running is done by another');
is($node->safe_psql('postgres', q{SELECT state || ' ' || attempts || ' ' || sqlstate || ' ' || error
                                    FROM face_embed_queue WHERE row_key = '2002'}),
   'failed 3 XX000 embed workers stopped 3 times while embedding this photo',
   'after three claims it fails instead');

# A role without privileges.
$node->safe_psql('postgres', qq{
    CREATE ROLE mallory LOGIN;
    CREATE TABLE secret (t text);
    GRANT CREATE ON SCHEMA public TO mallory;
    GRANT INSERT ON photos TO mallory;
    GRANT USAGE ON SEQUENCE photos_id_seq TO mallory;
    CREATE TABLE sample AS SELECT $a AS photo;
    GRANT SELECT ON sample TO mallory;
});
my $as_mallory = sub {
    my ($sql) = @_;
    my ($stdout, $stderr);
    $node->psql('postgres', $sql, stdout => \$stdout, stderr => \$stderr,
                extra_params => ['-U', 'mallory']);
    return ($stdout, $stderr);
};
my (undef, $err) = $as_mallory->(q{INSERT INTO face_embed_queue (source, trigger_name, row_key)
                                   VALUES ('secret', 'embed_later', '1')});
like($err, qr/new row violates row-level security policy for table "face_embed_queue"/,
     'nobody queues a job for a table they do not own');
my ($out) = $as_mallory->(q{SELECT count(*) FROM face_embed_queue});
is($out, '0', 'the jobs of tables one does not own are invisible');

# Her own table, with a trigger that writes into a table she may not write:
# the worker runs it as her, so it fails there.
($out, $err) = $as_mallory->(q{
    CREATE TABLE mine (id int PRIMARY KEY, photo bytea, embedding face_embedding);
    CREATE FUNCTION steal() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN INSERT INTO public.secret VALUES (current_user); RETURN NEW; END $$;
    CREATE TRIGGER embed_later BEFORE INSERT OR UPDATE ON mine
        FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding');
    CREATE TRIGGER steal AFTER UPDATE ON mine FOR EACH ROW EXECUTE FUNCTION steal();
    INSERT INTO mine SELECT 1, photo FROM sample;
    -- a job whose trigger is replaced in the meantime
    CREATE TABLE mine2 (id int PRIMARY KEY, photo bytea, embedding face_embedding);
    CREATE TRIGGER embed_later BEFORE INSERT OR UPDATE ON mine2
        FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding');
    BEGIN;
    INSERT INTO mine2 SELECT 2, photo FROM sample;
    DROP TRIGGER embed_later ON mine2;
    CREATE TRIGGER embed_later BEFORE INSERT OR UPDATE ON mine2
        FOR EACH ROW EXECUTE FUNCTION face_embed_trigger('photo', 'embedding');
    COMMIT;
    -- a job by hand for her own table, naming a trigger that is no queue trigger
    INSERT INTO face_embed_queue (source, trigger_name, row_key) VALUES ('mine', 'steal', '1');
    -- a key whose domain check would make her superuser if a superuser ran it
    CREATE FUNCTION promote(int) RETURNS boolean LANGUAGE plpgsql AS
        $$ BEGIN EXECUTE 'ALTER ROLE mallory SUPERUSER'; RETURN true;
           EXCEPTION WHEN OTHERS THEN RETURN true; END $$;
    CREATE DOMAIN sneaky_int AS int CHECK (promote(VALUE));
    CREATE TABLE mine3 (id sneaky_int PRIMARY KEY, photo bytea, embedding face_embedding);
    CREATE TRIGGER embed_later BEFORE INSERT OR UPDATE ON mine3
        FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding');
    INSERT INTO mine3 SELECT 3, photo FROM sample;
    -- a trigger that changes a setting of the worker's session for later jobs
    CREATE TABLE mine4 (id int PRIMARY KEY, photo bytea, embedding face_embedding);
    CREATE TABLE seen (work_mem text);
    CREATE FUNCTION meddle() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN INSERT INTO public.seen VALUES (current_setting('work_mem'));
                 PERFORM set_config('work_mem', '64kB', false); RETURN NEW; END $$;
    CREATE TRIGGER embed_later BEFORE INSERT OR UPDATE ON mine4
        FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding');
    CREATE TRIGGER meddle AFTER UPDATE ON mine4 FOR EACH ROW EXECUTE FUNCTION meddle();
    INSERT INTO mine4 SELECT i, photo FROM sample, generate_series(1, 5) i;
    -- a trigger that would hold a worker for ten minutes
    CREATE TABLE mine5 (id int PRIMARY KEY, photo bytea, embedding face_embedding);
    CREATE FUNCTION dawdle() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM pg_sleep(600); RETURN NEW; END $$;
    CREATE TRIGGER embed_later BEFORE INSERT OR UPDATE ON mine5
        FOR EACH ROW EXECUTE FUNCTION face_embed_queue_trigger('photo', 'embedding');
    CREATE TRIGGER dawdle AFTER UPDATE ON mine5 FOR EACH ROW EXECUTE FUNCTION dawdle();
    INSERT INTO mine5 SELECT 5, photo FROM sample;
    -- an INSERT into a table she may only insert into
    INSERT INTO photos (name, photo) SELECT 'mallory', photo FROM sample;
});
is($err, '', 'mallory sets up her table') or diag $err;
$node->poll_query_until('postgres', $idle) or die 'the queue did not drain';
my @jobs = split /\n/, ($as_mallory->(q{
    SELECT row_key || ' ' || trigger_name || ' ' || state || ' ' || coalesce(sqlstate, '') || ' ' || coalesce(error, '')
      FROM face_embed_queue WHERE source NOT IN ('mine4'::regclass, 'mine5'::regclass)
     ORDER BY row_key, trigger_name}))[0];
is(scalar(@jobs), 4, 'she sees the four jobs of her tables');
is($jobs[0], '1 embed_later failed 42501 permission denied for table secret',
   'her trigger ran with her rights: the job failed with 42501');
is($jobs[1], '1 steal failed 42704 table "mine" has no face_embed_queue_trigger trigger "steal"',
   'a job by hand naming another trigger fails: the worker takes nothing from the job but table, trigger and key');
is($jobs[2], '2 embed_later failed 42704 table "mine2" has no face_embed_queue_trigger trigger "embed_later"',
   'a job whose trigger was replaced fails instead of following the new trigger');
is($jobs[3], '3 embed_later done  ', 'a key of a domain type is read back without running its checks');
is($node->safe_psql('postgres', q{SELECT state || ' ' || sqlstate || ' ' || error FROM face_embed_queue
                                   WHERE source = 'mine5'::regclass}),
   'failed 57014 canceling statement due to statement timeout',
   'a trigger that holds the worker fails its job after openface.embed_job_timeout');
is($node->safe_psql('postgres', q{SELECT count(*) FROM secret}), '0', 'nothing was written into secret');
# Five jobs on two workers: one of them ran her trigger at least three times.
is($node->safe_psql('postgres', q{SELECT string_agg(work_mem, ',') FROM seen}), '4MB,4MB,4MB,4MB,4MB',
   'a SET in her trigger does not outlive its statement in the worker');
is($node->safe_psql('postgres', q{SELECT embedding = face_embed(photo) FROM photos WHERE name = 'mallory'}),
   't', 'her INSERT into a table she may not update is embedded (as the table owner asked)');
is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'}), 'f',
   'mallory is no superuser');

$node->stop;
done_testing();
