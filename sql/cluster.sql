-- Clustering window functions: DBSCAN, k-means, chinese whispers.
--
-- Synthetic faces: person k is the unit vector e_k plus uniform noise in
-- [-0.03, 0.03] per coordinate: one person's rows are ~0.28 apart, two
-- persons' ~1.41, so with a radius of 0.5 the clusters are the persons, and
-- cluster ids follow the order in which persons first appear (by id).
SELECT setseed(0.17);
CREATE FUNCTION fake_face(k int) RETURNS face_embedding
LANGUAGE sql VOLATILE AS $$
  SELECT array_agg(((d = k)::int + (random() * 2 - 1) * 0.03)::real ORDER BY d)::face_embedding
    FROM generate_series(1, 128) d
$$;

CREATE TABLE faces (id int PRIMARY KEY, grp text, person int, embedding face_embedding);
-- group a: persons 1-4, 5 rows each, interleaved (ids 0..19)
INSERT INTO faces SELECT i, 'a', 1 + i % 4, fake_face(1 + i % 4) FROM generate_series(0, 19) i;
-- group b: persons 5-7, 4 rows each, then two loners and a NULL embedding
INSERT INTO faces SELECT 100 + i, 'b', 5 + i % 3, fake_face(5 + i % 3) FROM generate_series(0, 11) i;
INSERT INTO faces VALUES (200, 'b', 50, fake_face(50)), (201, 'b', 51, fake_face(51)),
                         (202, 'b', 52, NULL);

-- DBSCAN per group: persons -> clusters 0, 1, ... ; loners and NULL -> NULL
SELECT grp, person, cluster, count(*)
  FROM (SELECT grp, person,
               face_cluster_dbscan(embedding, 0.5, 2) OVER (PARTITION BY grp ORDER BY id) AS cluster
          FROM faces) s
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- minpoints counts the row itself: with 6, no person has enough rows
SELECT count(c) AS clustered FROM (SELECT face_cluster_dbscan(embedding, 0.5, 6) OVER () AS c FROM faces) s;
-- with 1 every row is a core row: loners become clusters of their own
SELECT count(DISTINCT c) AS clusters
  FROM (SELECT face_cluster_dbscan(embedding, 0.5, 1) OVER (ORDER BY id) AS c FROM faces) s;

-- chinese whispers: the same persons; loners are singleton clusters
SELECT grp, person, cluster, count(*)
  FROM (SELECT grp, person,
               face_cluster_chinese_whispers(embedding, 0.5) OVER (PARTITION BY grp ORDER BY id) AS cluster
          FROM faces) s
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- k-means, k may differ per partition (constant within one): 4 persons in a;
-- 3 persons and 2 loners in b
SELECT grp, person, cluster, count(*)
  FROM (SELECT grp, person,
               face_cluster_kmeans(embedding, CASE grp WHEN 'a' THEN 4 ELSE 5 END)
                 OVER (PARTITION BY grp ORDER BY id) AS cluster
          FROM faces) s
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- deterministic: the same input gives the same labels
SELECT count(*) AS differences FROM (
  (SELECT id, face_cluster_kmeans(embedding, 6) OVER (ORDER BY id) FROM faces
   EXCEPT
   SELECT id, face_cluster_kmeans(embedding, 6) OVER (ORDER BY id) FROM faces)
  UNION ALL
  (SELECT id, face_cluster_chinese_whispers(embedding, 1.0) OVER (ORDER BY id) FROM faces
   EXCEPT
   SELECT id, face_cluster_chinese_whispers(embedding, 1.0) OVER (ORDER BY id) FROM faces)) d;

-- a cluster's centre is avg(embedding): each lies near its person's e_k
-- (the noise of 4-5 rows averages to ~0.2 / sqrt(4) from it)
SELECT person,
       l2_distance(centre, (SELECT array_agg((d = person)::int::real ORDER BY d)
                              FROM generate_series(1, 128) d)::face_embedding) < 0.15 AS centre_near_person
  FROM (SELECT min(person) AS person, avg(embedding) AS centre
          FROM (SELECT person, embedding,
                       face_cluster_dbscan(embedding, 0.5, 2) OVER (ORDER BY id) AS c
                  FROM faces) s
         WHERE c IS NOT NULL GROUP BY c) t
 ORDER BY person;

-- partitions with only NULL embeddings, and an empty input
SELECT grp, face_cluster_dbscan(embedding, 0.5, 2) OVER (PARTITION BY grp) AS dbscan,
       face_cluster_chinese_whispers(embedding, 0.5) OVER (PARTITION BY grp) AS whispers
  FROM faces WHERE embedding IS NULL;
SELECT face_cluster_kmeans(embedding, 1) OVER () FROM faces WHERE false;

-- bad arguments
SELECT face_cluster_kmeans(embedding, 100) OVER () FROM faces;
SELECT face_cluster_kmeans(embedding, 2) OVER (PARTITION BY person) FROM faces;
SELECT face_cluster_kmeans(embedding, 0) OVER () FROM faces;
SELECT face_cluster_dbscan(embedding, NULL, 2) OVER () FROM faces;
SELECT face_cluster_dbscan(embedding, -1, 2) OVER () FROM faces;
SELECT face_cluster_dbscan(embedding, 'infinity', 2) OVER () FROM faces;
SELECT face_cluster_dbscan(embedding, 0.5, 0) OVER () FROM faces;
SELECT face_cluster_chinese_whispers(embedding, 'NaN') OVER () FROM faces;
SELECT face_cluster_kmeans(embedding, NULL) OVER () FROM faces;

-- the neighbour graph is limited by work_mem
CREATE TABLE crowd AS SELECT i, fake_face(1) AS embedding FROM generate_series(1, 300) i;
SET work_mem = '64kB';
SELECT count(c) FROM (SELECT face_cluster_dbscan(embedding, 0.5, 2) OVER () AS c FROM crowd) s;
RESET work_mem;
SELECT count(DISTINCT c) AS clusters, count(c) AS rows
  FROM (SELECT face_cluster_dbscan(embedding, 0.5, 2) OVER () AS c FROM crowd) s;

-- face_cluster_radii: the shape of the clusterings at several radii.  At 0.1
-- every face is alone; at 0.5 the 7 persons (4 x 5 rows, 3 x 4 rows) and the
-- 2 loners; at 2 everyone is one cluster.  The NULL embedding is skipped.
SELECT * FROM face_cluster_radii(ARRAY(SELECT embedding FROM faces ORDER BY id), '{0.1, 0.5, 2}');
SELECT * FROM face_cluster_radii(ARRAY(SELECT embedding FROM faces ORDER BY id), '{0.5}', 'dbscan', 5);
SELECT * FROM face_cluster_radii('{}', '{0.5}');
SELECT * FROM face_cluster_radii(ARRAY(SELECT embedding FROM faces), '{0.5}', 'kmeans');
SELECT * FROM face_cluster_radii(ARRAY(SELECT embedding FROM faces), '{0.5, -1}');
SELECT * FROM face_cluster_radii(ARRAY(SELECT embedding FROM faces), '{0.5, NULL}');
SELECT * FROM face_cluster_radii(ARRAY(SELECT embedding FROM faces), '{0.5}', 'dbscan', 0);

-- Stable ids: with a key, a cluster's id is the smallest key of its rows, so
-- a face added anywhere renames no other cluster.  Persons 1-4 are clusters
-- 0-3 (their first ids), persons 5-7 100-102; the loners 200 and 201 are
-- noise to DBSCAN and clusters of their own to chinese whispers.
CREATE TABLE before AS
SELECT id, person,
       face_cluster_dbscan(embedding, 0.5, 2, id) OVER (ORDER BY id) AS dbscan,
       face_cluster_chinese_whispers(embedding, 0.5, id) OVER (ORDER BY id) AS whispers,
       face_cluster_chinese_whispers(embedding, 0.5) OVER (ORDER BY id) AS unkeyed
  FROM faces;
SELECT person, dbscan, whispers, unkeyed, count(*) FROM before GROUP BY 1, 2, 3, 4 ORDER BY 1;
-- one face of a new person, between groups a and b in id order, and one more
-- face of person 5
INSERT INTO faces VALUES (50, 'a', 60, fake_face(60)), (150, 'b', 5, fake_face(5));
-- keyed: no row changes its id (0, 0); the new face of person 5 joins 100,
-- the new person is noise / cluster 50.  Unkeyed: the new person's cluster
-- (number 4) comes before persons 5-7 and the loners, renumbering their 14 rows.
SELECT count(*) FILTER (WHERE b.dbscan IS DISTINCT FROM a.dbscan) AS dbscan_renamed,
       count(*) FILTER (WHERE b.whispers IS DISTINCT FROM a.whispers) AS whispers_renamed,
       count(*) FILTER (WHERE b.unkeyed IS DISTINCT FROM a.unkeyed) AS unkeyed_renamed
  FROM before b
  JOIN (SELECT id,
               face_cluster_dbscan(embedding, 0.5, 2, id) OVER (ORDER BY id) AS dbscan,
               face_cluster_chinese_whispers(embedding, 0.5, id) OVER (ORDER BY id) AS whispers,
               face_cluster_chinese_whispers(embedding, 0.5) OVER (ORDER BY id) AS unkeyed
          FROM faces) a USING (id);
SELECT id, face_cluster_dbscan(embedding, 0.5, 2, id) OVER (ORDER BY id) AS dbscan,
       face_cluster_chinese_whispers(embedding, 0.5, id) OVER (ORDER BY id) AS whispers
  FROM faces WHERE id IN (50, 100, 150) OR person = 5 ORDER BY id;
-- the ids do not depend on the window order either
SELECT count(*) AS differences FROM (
  SELECT id, face_cluster_dbscan(embedding, 0.5, 2, id) OVER (ORDER BY id) FROM faces
  EXCEPT
  SELECT id, face_cluster_dbscan(embedding, 0.5, 2, id) OVER (ORDER BY id DESC) FROM faces) d;
-- k-means with a key: its clusters named by their smallest ids
SELECT grp, person, cluster, count(*)
  FROM (SELECT grp, person,
               face_cluster_kmeans(embedding, 4, id) OVER (PARTITION BY grp ORDER BY id) AS cluster
          FROM faces WHERE grp = 'a' AND person < 60) s
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
-- keys must be unique and not NULL where there is an embedding (202's NULL
-- embedding may have a NULL key)
SELECT face_cluster_dbscan(embedding, 0.5, 2, id / 2) OVER () FROM faces;
SELECT face_cluster_chinese_whispers(embedding, 0.5, NULLIF(id, 7)) OVER () FROM faces;
SELECT count(*) FROM (SELECT face_cluster_dbscan(embedding, 0.5, 2, NULLIF(id, 202)) OVER () FROM faces) s;
DROP TABLE before;

DROP TABLE faces, crowd;
DROP FUNCTION fake_face(int);
