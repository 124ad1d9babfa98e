-- Triggers that fill embeddings from photos (see src/pg/trigger.c).
CREATE FUNCTION face_embed_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON FUNCTION face_embed_trigger() IS
    'BEFORE INSERT OR UPDATE row trigger: (image_column, embedding_column [, ''null''|''error''|''skip''])';
CREATE FUNCTION face_extract_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON FUNCTION face_extract_trigger() IS
    'AFTER INSERT row trigger: (image_column, target_table [, key_column]); target has (source, face, box, score, embedding)';
