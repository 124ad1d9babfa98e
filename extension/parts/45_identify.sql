-- open-set identification from a labelled table, no training (src/pg/identify.c)
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
