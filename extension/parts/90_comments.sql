-- Descriptions (\df+, \do+) of every function and operator that does not
-- carry one beside its declaration.  Also appended to each upgrade script
-- (COMMENT is idempotent), so updated installations read the same.

COMMENT ON FUNCTION face_embedding_in(cstring) IS 'text input: [x1,...,x128]';
COMMENT ON FUNCTION face_embedding_out(face_embedding) IS 'text output: shortest digits that read back to the same bits';
COMMENT ON FUNCTION face_embedding_recv(internal) IS 'binary input: 128 big-endian float4';
COMMENT ON FUNCTION face_embedding_send(face_embedding) IS 'binary output: 128 big-endian float4';
COMMENT ON FUNCTION face_embedding(real[]) IS 'cast from a 1-d array of 128 finite values';
COMMENT ON FUNCTION face_embedding(double precision[]) IS 'cast from a 1-d array of 128 finite values';
COMMENT ON FUNCTION face_embedding(numeric[]) IS 'cast from a 1-d array of 128 finite values';
COMMENT ON FUNCTION face_embedding(integer[]) IS 'cast from a 1-d array of 128 values';
COMMENT ON FUNCTION face_embedding_to_real_array(face_embedding) IS 'cast to real[128]';
COMMENT ON FUNCTION face_embedding_to_double_array(face_embedding) IS 'cast to double precision[128]';
COMMENT ON FUNCTION l2_distance(face_embedding, face_embedding) IS 'Euclidean distance (operator <->)';
COMMENT ON FUNCTION face_l2_squared_distance(face_embedding, face_embedding) IS 'squared Euclidean distance: cheaper, same order';
COMMENT ON FUNCTION inner_product(face_embedding, face_embedding) IS 'inner product (operator <#> is its negation)';
COMMENT ON FUNCTION face_negative_inner_product(face_embedding, face_embedding) IS 'negative inner product (operator <#>), smaller = more similar';
COMMENT ON FUNCTION cosine_distance(face_embedding, face_embedding) IS '1 - cosine similarity (operator <=>); NaN if a vector is zero';
COMMENT ON FUNCTION l2_norm(face_embedding) IS 'Euclidean norm';
COMMENT ON FUNCTION l2_normalize(face_embedding) IS 'the unit vector in the same direction (a zero vector stays zero)';
COMMENT ON FUNCTION face_embedding_cmp(face_embedding, face_embedding) IS 'element-wise order for btree (-1, 0, 1)';
COMMENT ON FUNCTION face_embedding_eq(face_embedding, face_embedding) IS 'all 128 elements equal (operator =)';
COMMENT ON FUNCTION face_embedding_ne(face_embedding, face_embedding) IS 'some element differs (operator <>)';
COMMENT ON FUNCTION face_embedding_lt(face_embedding, face_embedding) IS 'element-wise order (operator <)';
COMMENT ON FUNCTION face_embedding_le(face_embedding, face_embedding) IS 'element-wise order (operator <=)';
COMMENT ON FUNCTION face_embedding_gt(face_embedding, face_embedding) IS 'element-wise order (operator >)';
COMMENT ON FUNCTION face_embedding_ge(face_embedding, face_embedding) IS 'element-wise order (operator >=)';
COMMENT ON FUNCTION face_embedding_accum(double precision[], face_embedding) IS 'avg/sum state: {count, sum_1..sum_128}';
COMMENT ON FUNCTION face_embedding_combine(double precision[], double precision[]) IS 'avg/sum: merges two parallel partial states';
COMMENT ON FUNCTION face_embedding_avg_final(double precision[]) IS 'avg: the element-wise mean (centroid)';
COMMENT ON FUNCTION face_embedding_sum_final(double precision[]) IS 'sum: the element-wise sum';
COMMENT ON AGGREGATE avg(face_embedding) IS 'element-wise mean (centroid), parallel';
COMMENT ON AGGREGATE sum(face_embedding) IS 'element-wise sum, parallel';
COMMENT ON FUNCTION face_fg_handler(internal) IS 'access method handler of facegraph';
COMMENT ON FUNCTION face_sphere_in(cstring) IS 'text input: ([x1,...,x128], radius)';
COMMENT ON FUNCTION face_sphere_out(face_sphere) IS 'text output: ([x1,...,x128], radius)';
COMMENT ON FUNCTION face_sphere(face_embedding, double precision) IS 'the ball of the given L2 radius around a face, for embedding <@ face_sphere(...)';
COMMENT ON FUNCTION face_sphere_center(face_sphere) IS 'the centre of a face_sphere';
COMMENT ON FUNCTION face_sphere_radius(face_sphere) IS 'the L2 radius of a face_sphere';
COMMENT ON FUNCTION face_sphere_contains(face_embedding, face_sphere) IS 'embedding lies within the sphere (operator <@; index-assisted)';
COMMENT ON FUNCTION face_fg_metric_l2(internal) IS 'facegraph support: the graph is built for L2 distance (face_l2_ops)';
COMMENT ON FUNCTION face_fg_metric_cosine(internal) IS 'facegraph support: the graph is built for cosine distance (face_cosine_ops)';
COMMENT ON FUNCTION face_index_check(regclass) IS 'structural problems of a facegraph index, one row each; no rows = healthy (EXECUTE granted by a superuser)';
COMMENT ON FUNCTION face_svm_drop_trigger() IS 'sql_drop event trigger: a dropped table takes its SVM model along';

COMMENT ON OPERATOR <-> (face_embedding, face_embedding) IS 'Euclidean distance; ORDER BY it uses a facegraph face_l2_ops index';
COMMENT ON OPERATOR <=> (face_embedding, face_embedding) IS 'cosine distance; ORDER BY it uses a facegraph face_cosine_ops index';
COMMENT ON OPERATOR <#> (face_embedding, face_embedding) IS 'negative inner product';
COMMENT ON OPERATOR = (face_embedding, face_embedding) IS 'equal element by element';
COMMENT ON OPERATOR <> (face_embedding, face_embedding) IS 'not equal';
COMMENT ON OPERATOR < (face_embedding, face_embedding) IS 'element-wise order (for btree, DISTINCT, GROUP BY)';
COMMENT ON OPERATOR <= (face_embedding, face_embedding) IS 'element-wise order (for btree, DISTINCT, GROUP BY)';
COMMENT ON OPERATOR > (face_embedding, face_embedding) IS 'element-wise order (for btree, DISTINCT, GROUP BY)';
COMMENT ON OPERATOR >= (face_embedding, face_embedding) IS 'element-wise order (for btree, DISTINCT, GROUP BY)';
COMMENT ON OPERATOR <@ (face_embedding, face_sphere) IS 'lies within the sphere: radius search, index-assisted';

COMMENT ON FUNCTION face_embed_trigger() IS
    'BEFORE INSERT OR UPDATE row trigger: (image_column, embedding_column [, on_no_face [, on_undecodable]]); each ''null'', ''error'' or ''skip'', defaults ''null'' and ''error''';
COMMENT ON FUNCTION face_extract_trigger() IS
    'AFTER INSERT row trigger: (image_column, target_table [, key_column [, on_undecodable]]); target has (source, face, box, score, embedding); on_undecodable ''error'' (default), ''null'' or ''skip'' (no faces)';
COMMENT ON FUNCTION face_embed_queue_trigger() IS
    'BEFORE INSERT OR UPDATE row trigger: (image_column, embedding_column [, key_column]); queues the row for the background workers (openface.embed_workers) instead of embedding it';
COMMENT ON FUNCTION face_embed_queue_drop_trigger() IS 'sql_drop event trigger: a dropped table takes its queued jobs along';
COMMENT ON TABLE face_embed_queue IS
    'photos queued by face_embed_queue_trigger: pending, running, done, no_face or failed (with sqlstate and error); each table''s owner sees its own';
COMMENT ON VIEW face_embed_queue_status IS
    'per table: pending, running, done, no_face and failed jobs of face_embed_queue, the oldest pending, the last finished';
COMMENT ON FUNCTION face_identify(regclass, face_embedding, text, text, integer, double precision) IS
    'who is this face, or NULL label for a stranger: the k nearest labelled rows the caller may read, grouped by label (threshold 0.40 named <= 1% of strangers on LFW at 10 to 1,165 people)';

-- Stable cluster ids, radius choice, contact sheets.
COMMENT ON FUNCTION face_cluster_dbscan(face_embedding, double precision, integer, bigint) IS
    'DBSCAN over the window partition; a cluster''s id is the smallest key among its rows (stable when faces are added elsewhere); NULL for noise';
COMMENT ON FUNCTION face_cluster_kmeans(face_embedding, integer, bigint) IS
    'k-means over the window partition; a cluster''s id is the smallest key among its rows';
COMMENT ON FUNCTION face_cluster_chinese_whispers(face_embedding, double precision, bigint) IS
    'chinese whispers over the window partition; a cluster''s id is the smallest key among its rows (stable when faces are added elsewhere)';
COMMENT ON FUNCTION face_cluster_radii(face_embedding[], double precision[], text, integer) IS
    'per radius: clusters of 2+ faces, faces alone, the largest cluster and the mean cluster size, for method chinese_whispers (default) or dbscan';
COMMENT ON FUNCTION face_contact_sheet(bytea[], integer, integer) IS
    'the images (JPEG/PNG, e.g. face_chip results) as one PNG grid of cell x cell squares; columns 0 = square-ish; at most openface.max_image_pixels';

-- \dt+, \dv+, \dC+, \dy+, \dAc+ and \dAf+ read these.
COMMENT ON TABLE face_svm_model IS
    'per-table SVM models written by face_svm_train; each table''s owner sees its own (use the face_svm_models view)';
COMMENT ON VIEW face_svm_models IS
    'the SVM models the caller may predict with: table, columns, classes, samples, C, when trained';
COMMENT ON CAST (real[] AS face_embedding) IS 'a 1-d array of 128 finite values';
COMMENT ON CAST (double precision[] AS face_embedding) IS 'a 1-d array of 128 finite values';
COMMENT ON CAST (numeric[] AS face_embedding) IS 'a 1-d array of 128 finite values';
COMMENT ON CAST (integer[] AS face_embedding) IS 'a 1-d array of 128 values';
COMMENT ON CAST (face_embedding AS real[]) IS 'the 128 values (assignment cast)';
COMMENT ON CAST (face_embedding AS double precision[]) IS 'the 128 values (assignment cast)';
COMMENT ON OPERATOR CLASS face_l2_ops USING facegraph IS 'facegraph on Euclidean distance: ORDER BY <->, WHERE <@ face_sphere (the default)';
COMMENT ON OPERATOR FAMILY face_l2_ops USING facegraph IS 'facegraph on Euclidean distance';
COMMENT ON OPERATOR CLASS face_cosine_ops USING facegraph IS 'facegraph on cosine distance: ORDER BY <=>';
COMMENT ON OPERATOR FAMILY face_cosine_ops USING facegraph IS 'facegraph on cosine distance';
COMMENT ON OPERATOR CLASS face_embedding_btree_ops USING btree IS 'element-wise order: DISTINCT, GROUP BY, UNIQUE';
COMMENT ON OPERATOR FAMILY face_embedding_btree_ops USING btree IS 'element-wise order';
COMMENT ON EVENT TRIGGER face_svm_drop IS 'a dropped table takes its SVM model along';
COMMENT ON EVENT TRIGGER face_embed_queue_drop IS 'a dropped table takes its queued jobs along';
