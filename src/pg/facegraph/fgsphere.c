/*
 * face_sphere: a centre embedding and a radius, for radius search served by
 * the facegraph index:  WHERE embedding <@ face_sphere(q, 0.6).
 * Text form: ([x1,...,x128],r).
 */
#include "facegraph/fg.h"

#include <float.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "distance.h"

static FaceSphere *
make_sphere(const FaceEmbedding *c, double r)
{
	FaceSphere *s;

	if (isnan(r) || isinf(r) || r < 0.0 || r > FLT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("face_sphere radius must be a finite number >= 0, not %g", r)));
	s = palloc(sizeof(FaceSphere));
	memcpy(&s->center, c, sizeof(FaceEmbedding));
	s->radius = (float4) r;
	return s;
}

PG_FUNCTION_INFO_V1(face_sphere_in);
Datum
face_sphere_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	char	   *p = str;
	char	   *close;
	char	   *emb;
	char	   *end;
	double		r;
	FaceEmbedding *c;

	while (isspace((unsigned char) *p))
		p++;
	if (*p != '(' || (close = strchr(p, ']')) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type face_sphere: \"%s\"", str),
				 errhint("Write \"([x1,...,x128],radius)\".")));
	emb = pnstrdup(p + 1, close - p);
	c = DatumGetFaceEmbedding(DirectFunctionCall1(face_embedding_in, CStringGetDatum(emb)));
	p = close + 1;
	while (isspace((unsigned char) *p))
		p++;
	if (*p++ != ',')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type face_sphere: \"%s\"", str),
				 errhint("Write \"([x1,...,x128],radius)\".")));
	r = float8in_internal(p, &end, "face_sphere", str);
	while (isspace((unsigned char) *end))
		end++;
	if (*end++ != ')')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type face_sphere: \"%s\"", str),
				 errhint("Write \"([x1,...,x128],radius)\".")));
	while (isspace((unsigned char) *end))
		end++;
	if (*end != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type face_sphere: \"%s\"", str),
				 errdetail("Unexpected characters after \")\".")));
	PG_RETURN_POINTER(make_sphere(c, r));
}

PG_FUNCTION_INFO_V1(face_sphere_out);
Datum
face_sphere_out(PG_FUNCTION_ARGS)
{
	FaceSphere *s = DatumGetFaceSphere(PG_GETARG_DATUM(0));
	StringInfoData buf;
	char		num[FLOAT_SHORTEST_DECIMAL_LEN + 1];

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	appendStringInfoString(&buf, DatumGetCString(DirectFunctionCall1(face_embedding_out,
																	 PointerGetDatum(&s->center))));
	float_to_shortest_decimal_buf(s->radius, num);
	appendStringInfo(&buf, ",%s)", num);
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(face_sphere_make);
Datum
face_sphere_make(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(make_sphere(PG_GETARG_FACE_EMBEDDING(0), PG_GETARG_FLOAT8(1)));
}

PG_FUNCTION_INFO_V1(face_sphere_center);
Datum
face_sphere_center(PG_FUNCTION_ARGS)
{
	FaceSphere *s = DatumGetFaceSphere(PG_GETARG_DATUM(0));
	FaceEmbedding *e = palloc(sizeof(FaceEmbedding));

	memcpy(e, &s->center, sizeof(FaceEmbedding));
	PG_RETURN_FACE_EMBEDDING(e);
}

PG_FUNCTION_INFO_V1(face_sphere_radius);
Datum
face_sphere_radius(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(DatumGetFaceSphere(PG_GETARG_DATUM(0))->radius);
}

/* embedding <@ sphere: the L2 distance (as l2_distance computes it) <= radius */
PG_FUNCTION_INFO_V1(face_sphere_contains);
Datum
face_sphere_contains(PG_FUNCTION_ARGS)
{
	FaceEmbedding *e = PG_GETARG_FACE_EMBEDDING(0);
	FaceSphere *s = DatumGetFaceSphere(PG_GETARG_DATUM(1));

	PG_RETURN_BOOL(sqrt((double) of_l2_squared(e->x, s->center.x, FG_DIM)) <= (double) s->radius);
}
