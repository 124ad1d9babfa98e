-- openface 0.2 -> 0.3; the build appends parts/90_comments.sql (descriptions
-- of every object).  Released scripts (openface--0.2.sql, openface--0.1--0.2.sql)
-- are frozen: every SQL change from here on goes here and into parts/.
\echo Use "ALTER EXTENSION openface UPDATE TO '0.3'" to load this file. \quit

-- Distances cost the planner what they cost a scan (parts/10_embedding.sql):
-- with the default cost, exact scans looked cheaper than the index.
ALTER FUNCTION l2_distance(face_embedding, face_embedding) COST 10;
ALTER FUNCTION face_l2_squared_distance(face_embedding, face_embedding) COST 10;
ALTER FUNCTION inner_product(face_embedding, face_embedding) COST 10;
ALTER FUNCTION face_negative_inner_product(face_embedding, face_embedding) COST 10;
ALTER FUNCTION cosine_distance(face_embedding, face_embedding) COST 10;
ALTER FUNCTION face_sphere_contains(face_embedding, face_sphere) COST 10;

-- Background embedding (src/pg/trigger.c queues, src/pg/embed_worker.c works).
-- face_embed_queue_trigger queues a row instead of embedding it; the workers
-- (openface.embed_workers) claim jobs with FOR UPDATE SKIP LOCKED and fill in
-- the embedding as the table's owner; a job whose worker died goes back to
-- pending, and fails after three such claims.  A job names its table, the trigger
-- that queued it (whose arguments name the columns) and the row's key; a
-- finished job keeps its outcome until the table's owner deletes it.  Jobs
-- are keyed by a random uuid, not a sequence, so that a table owner's dump
-- and restore of their own jobs needs no rights on a shared counter.
CREATE TABLE face_embed_queue (
    id            uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    source        regclass NOT NULL,
    trigger_name  text NOT NULL,
    row_key       text NOT NULL,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'running', 'done', 'no_face', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,     -- claims by a worker
    worker        text,                           -- the running worker's pid.start_time
    queued_at     timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    sqlstate      text,
    error         text
);
CREATE INDEX face_embed_queue_pending ON face_embed_queue (queued_at) WHERE state = 'pending';
CREATE INDEX face_embed_queue_running ON face_embed_queue (worker) WHERE state = 'running';
CREATE INDEX face_embed_queue_source ON face_embed_queue (source);
REVOKE ALL ON face_embed_queue FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('face_embed_queue', '');

-- Each table's owner sees, deletes and restores (INSERT) the jobs of their
-- tables, and nobody else: a job's key says which rows were written.  The
-- queue trigger inserts as the extension owner, for any role that writes
-- the table.  A job an owner inserts by hand can only make the worker do
-- what the table's own trigger asks, as that owner.
ALTER TABLE face_embed_queue ENABLE ROW LEVEL SECURITY;
CREATE POLICY face_embed_queue_table_owner ON face_embed_queue
    USING (pg_catalog.pg_has_role((SELECT relowner FROM pg_catalog.pg_class
                                    WHERE oid OPERATOR(pg_catalog.=) source::pg_catalog.oid),
                                  'USAGE'));
GRANT SELECT, INSERT, DELETE ON face_embed_queue TO PUBLIC;

-- One row per table: how far its queue is.  security_invoker: the caller's
-- rights and the policy above decide which tables appear.
CREATE VIEW face_embed_queue_status WITH (security_invoker = true) AS
    SELECT source,
           pg_catalog.count(*) FILTER (WHERE state OPERATOR(pg_catalog.=) 'pending') AS pending,
           pg_catalog.count(*) FILTER (WHERE state OPERATOR(pg_catalog.=) 'running') AS running,
           pg_catalog.count(*) FILTER (WHERE state OPERATOR(pg_catalog.=) 'done') AS done,
           pg_catalog.count(*) FILTER (WHERE state OPERATOR(pg_catalog.=) 'no_face') AS no_face,
           pg_catalog.count(*) FILTER (WHERE state OPERATOR(pg_catalog.=) 'failed') AS failed,
           pg_catalog.min(queued_at) FILTER (WHERE state OPERATOR(pg_catalog.=) 'pending') AS oldest_pending,
           pg_catalog.max(finished_at) AS last_finished
      FROM face_embed_queue
     GROUP BY source;
GRANT SELECT ON face_embed_queue_status TO PUBLIC;

CREATE FUNCTION face_embed_queue_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C;

-- A dropped table takes its jobs along.
CREATE FUNCTION face_embed_queue_drop_trigger() RETURNS event_trigger
    AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE EVENT TRIGGER face_embed_queue_drop ON sql_drop
    EXECUTE FUNCTION face_embed_queue_drop_trigger();

-- Open-set identification from a labelled table, no training (parts/45_identify.sql).
CREATE FUNCTION face_identify(
    source regclass,
    query face_embedding,
    label_column text DEFAULT 'person',
    embedding_column text DEFAULT 'embedding',
    k integer DEFAULT 20,
    threshold double precision DEFAULT 0.40,
    OUT label text,
    OUT distance double precision,
    OUT confidence double precision)
    RETURNS record
    AS 'MODULE_PATHNAME', 'face_identify' LANGUAGE C STABLE PARALLEL RESTRICTED;

-- ---- clusterdocs: stable cluster ids, face_cluster_radii, face_contact_sheet ----
-- Stable cluster ids and radius choice (src/pg/cluster.c).  With a key, a
-- cluster's id is the smallest key of its members, so adding faces elsewhere
-- renames no cluster; face_cluster_radii shows how faces cluster at several
-- radii, reading only the embeddings the caller passes.
CREATE FUNCTION face_cluster_dbscan(embedding face_embedding, eps double precision, minpoints integer, key bigint)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'face_cluster_dbscan' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
CREATE FUNCTION face_cluster_kmeans(embedding face_embedding, k integer, key bigint)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'face_cluster_kmeans' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
CREATE FUNCTION face_cluster_chinese_whispers(embedding face_embedding, threshold double precision, key bigint)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'face_cluster_chinese_whispers' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
CREATE FUNCTION face_cluster_radii(embeddings face_embedding[], radii double precision[],
        method text DEFAULT 'chinese_whispers', minpoints integer DEFAULT 2,
        OUT radius double precision, OUT clusters integer, OUT singletons integer,
        OUT largest integer, OUT mean_size double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'face_cluster_radii' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;

-- Looking at faces (src/pg/embed.c): images tiled into one PNG, bounded by
-- openface.max_image_pixels like every decoded image.
CREATE FUNCTION face_contact_sheet(images bytea[], columns integer DEFAULT 0, cell integer DEFAULT 150)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'face_contact_sheet' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;
-- ---- end clusterdocs ----
