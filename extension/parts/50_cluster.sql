-- Clustering window functions (src/pg/cluster.c, src/core/cluster.c).
-- Computed once per window partition; ids are 0-based, dense, numbered in
-- the order of each cluster's first row (put an ORDER BY in OVER (...) to fix
-- them); NULL embeddings give NULL.  A cluster's centre is avg(embedding)
-- over its rows (the face_embedding avg aggregate).

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
