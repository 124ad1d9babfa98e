-- Triggers that fill embeddings from photos (see src/pg/trigger.c).
-- Their descriptions (the arguments) are in 90_comments.sql.
CREATE FUNCTION face_embed_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE FUNCTION face_extract_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C;
