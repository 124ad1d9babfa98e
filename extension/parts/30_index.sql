-- openface: the facegraph index access method (approximate nearest neighbours
-- over face_embedding), its operator classes, radius search and checker.

CREATE FUNCTION face_fg_handler(internal) RETURNS index_am_handler
    AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE ACCESS METHOD facegraph TYPE INDEX HANDLER face_fg_handler;
COMMENT ON ACCESS METHOD facegraph IS 'navigable graph index for face_embedding nearest-neighbour search';

-- radius search: embedding <@ face_sphere(center, radius)
CREATE TYPE face_sphere;
CREATE FUNCTION face_sphere_in(cstring) RETURNS face_sphere
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_sphere_out(face_sphere) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE face_sphere (
    INPUT = face_sphere_in,
    OUTPUT = face_sphere_out,
    INTERNALLENGTH = 516,
    ALIGNMENT = int4,
    STORAGE = plain
);
COMMENT ON TYPE face_sphere IS 'a face_embedding centre and an L2 radius, for radius search';

CREATE FUNCTION face_sphere(face_embedding, float8) RETURNS face_sphere
    AS 'MODULE_PATHNAME', 'face_sphere_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_sphere_center(face_sphere) RETURNS face_embedding
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_sphere_radius(face_sphere) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_sphere_contains(face_embedding, face_sphere) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;  -- as l2_distance
CREATE OPERATOR <@ (LEFTARG = face_embedding, RIGHTARG = face_sphere,
    FUNCTION = face_sphere_contains, RESTRICT = contsel, JOIN = contjoinsel);

-- support function 1: which metric the graph is built for
CREATE FUNCTION face_fg_metric_l2(internal) RETURNS int4
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_fg_metric_cosine(internal) RETURNS int4
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR CLASS face_l2_ops DEFAULT FOR TYPE face_embedding USING facegraph AS
    OPERATOR 1 <-> (face_embedding, face_embedding) FOR ORDER BY float_ops,
    OPERATOR 2 <@ (face_embedding, face_sphere),
    FUNCTION 1 face_fg_metric_l2(internal);

CREATE OPERATOR CLASS face_cosine_ops FOR TYPE face_embedding USING facegraph AS
    OPERATOR 1 <=> (face_embedding, face_embedding) FOR ORDER BY float_ops,
    FUNCTION 1 face_fg_metric_cosine(internal);

-- structural problems of a facegraph index; no rows = healthy
CREATE FUNCTION face_index_check(index regclass,
    OUT problem text, OUT element tid, OUT detail text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
-- Like amcheck's functions: it reads every page of any index it is given, so
-- only roles a superuser grants it to may run it.
REVOKE ALL ON FUNCTION face_index_check(regclass) FROM PUBLIC;
