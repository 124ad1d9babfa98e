-- Clustering window functions (src/pg/cluster.c, src/core/cluster.c).
-- Computed once per window partition; without a key ids are 0-based, dense,
-- numbered in the order of each cluster's first row (put an ORDER BY in
-- OVER (...) to fix them), with a key (the forms below) a cluster's id is its
-- smallest key; NULL embeddings give NULL.  A cluster's centre is
-- avg(embedding) over its rows (the face_embedding avg aggregate).

CREATE FUNCTION face_cluster_dbscan(embedding face_embedding, eps double precision, minpoints integer)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'face_cluster_dbscan' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION face_cluster_dbscan(face_embedding, double precision, integer) IS
    'DBSCAN over the window partition: rows within eps (L2) are neighbours; minpoints counts the row itself; NULL for noise';

CREATE FUNCTION face_cluster_kmeans(embedding face_embedding, k integer)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'face_cluster_kmeans' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION face_cluster_kmeans(face_embedding, integer) IS
    'k-means (greedy k-means++ seeding, fixed seed) over the window partition; error if it has fewer than k non-NULL rows';

CREATE FUNCTION face_cluster_chinese_whispers(embedding face_embedding, threshold double precision)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'face_cluster_chinese_whispers' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION face_cluster_chinese_whispers(face_embedding, double precision) IS
    'chinese whispers graph clustering over the window partition; rows within threshold (L2) are linked; loners are their own clusters';

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
