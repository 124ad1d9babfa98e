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
