-- openface_pgvector: face_embedding <-> vector, for tables, indexes and tools
-- built on pgvector.  Neither extension depends on the other; this one needs
-- both.  Pure SQL through real[], which both types cast to and from: a
-- face_embedding becomes a vector of 128 dimensions, and a vector becomes a
-- face_embedding only if it has exactly 128 (face_embedding(real[]) says so).
\echo Use "CREATE EXTENSION openface_pgvector" to load this file. \quit

-- SQL-standard bodies are parsed now, while CREATE EXTENSION has put the
-- schemas of openface and vector on the search_path, and keep what they
-- found: a caller's search_path cannot redirect a cast.
CREATE FUNCTION face_embedding_to_vector(embedding face_embedding) RETURNS vector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CAST(CAST(embedding AS real[]) AS vector);

CREATE FUNCTION face_embedding(v vector) RETURNS face_embedding
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CAST(CAST(v AS real[]) AS face_embedding);

-- AS ASSIGNMENT, as openface's own casts from and to arrays: an INSERT or
-- UPDATE converts between the column types, anything else says ::vector or
-- ::face_embedding, so no operator or function call turns ambiguous.
CREATE CAST (face_embedding AS vector) WITH FUNCTION face_embedding_to_vector(face_embedding) AS ASSIGNMENT;
CREATE CAST (vector AS face_embedding) WITH FUNCTION face_embedding(vector) AS ASSIGNMENT;

COMMENT ON FUNCTION face_embedding_to_vector(face_embedding) IS
    'the face_embedding as a pgvector vector of 128 dimensions (also the cast face_embedding::vector)';
COMMENT ON FUNCTION face_embedding(vector) IS
    'a 128-dimension pgvector vector as a face_embedding (also the cast vector::face_embedding)';
