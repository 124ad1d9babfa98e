-- Photos to faces.  STABLE, not IMMUTABLE: the results follow the openface.*
-- settings (mode, detector size, score threshold).

CREATE FUNCTION face_embed(image bytea) RETURNS face_embedding
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION face_embed(bytea) IS
    'descriptor of the most prominent face (largest box area x score) in a JPEG/PNG, NULL if none';

CREATE FUNCTION face_embed_all(image bytea,
        OUT face int, OUT box int4[], OUT score real, OUT embedding face_embedding)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000 ROWS 2;
COMMENT ON FUNCTION face_embed_all(bytea) IS
    'every face: number (1 = highest score), box {x,y,w,h} in pixels, score, descriptor';

CREATE FUNCTION face_detect(image bytea,
        OUT face int, OUT box int4[], OUT score real, OUT landmarks point[])
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 5000 ROWS 2;
COMMENT ON FUNCTION face_detect(bytea) IS
    'every face: number, box {x,y,w,h}, score and the 68 landmarks (iBUG 300-W order) in pixels';

CREATE FUNCTION face_chip(image bytea, face int DEFAULT 1) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION face_chip(bytea, int) IS
    'the aligned 150x150 face that was embedded, as PNG (NULL if there is no such face)';

-- Looking at faces (src/pg/embed.c): images tiled into one PNG, bounded by
-- openface.max_image_pixels like every decoded image.
CREATE FUNCTION face_contact_sheet(images bytea[], columns integer DEFAULT 0, cell integer DEFAULT 150)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'face_contact_sheet' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000;
