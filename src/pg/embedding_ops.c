/*
 * face_embedding distance operators and vector functions.  The arithmetic
 * lives in src/core/distance.c so the index computes exactly the same values.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "distance.h"
#include "embedding.h"

#define DIM FACE_EMBEDDING_DIM

PG_FUNCTION_INFO_V1(face_l2_distance);
Datum
face_l2_distance(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING(1);

	PG_RETURN_FLOAT8(sqrt((double) of_l2_squared(a->x, b->x, DIM)));
}

PG_FUNCTION_INFO_V1(face_l2_squared_distance);
Datum
face_l2_squared_distance(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING(1);

	PG_RETURN_FLOAT8((double) of_l2_squared(a->x, b->x, DIM));
}

PG_FUNCTION_INFO_V1(face_inner_product);
Datum
face_inner_product(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING(1);

	PG_RETURN_FLOAT8((double) of_dot(a->x, b->x, DIM));
}

PG_FUNCTION_INFO_V1(face_negative_inner_product);
Datum
face_negative_inner_product(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING(1);

	PG_RETURN_FLOAT8(-(double) of_dot(a->x, b->x, DIM));
}

/* Cosine distance of a zero vector is undefined: NaN, as for real numbers. */
PG_FUNCTION_INFO_V1(face_cosine_distance);
Datum
face_cosine_distance(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING(1);

	PG_RETURN_FLOAT8(of_cosine_distance(a->x, b->x, DIM));
}

PG_FUNCTION_INFO_V1(face_l2_norm);
Datum
face_l2_norm(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING(0);
	double		s = 0.0;

	for (int i = 0; i < DIM; i++)
		s += (double) a->x[i] * a->x[i];
	PG_RETURN_FLOAT8(sqrt(s));
}

/* A zero vector has no direction; it is returned unchanged. */
PG_FUNCTION_INFO_V1(face_l2_normalize);
Datum
face_l2_normalize(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING(0);
	FaceEmbedding *r = palloc(sizeof(FaceEmbedding));
	double		s = 0.0;

	for (int i = 0; i < DIM; i++)
		s += (double) a->x[i] * a->x[i];
	s = sqrt(s);
	for (int i = 0; i < DIM; i++)
		r->x[i] = s > 0.0 ? (float) (a->x[i] / s) : a->x[i];
	PG_RETURN_FACE_EMBEDDING(r);
}

/*
 * Total order for btree (DISTINCT, GROUP BY, UNIQUE): element-wise, first
 * difference decides.  Elements are never NaN, and -0 and +0 compare equal,
 * consistently with "=".
 */
static int
embedding_cmp(const FaceEmbedding *a, const FaceEmbedding *b)
{
	for (int i = 0; i < DIM; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	return 0;
}

PG_FUNCTION_INFO_V1(face_embedding_cmp);
Datum
face_embedding_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(embedding_cmp(PG_GETARG_FACE_EMBEDDING(0), PG_GETARG_FACE_EMBEDDING(1)));
}

#define CMP_FUNCTION(name, test) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	int c = embedding_cmp(PG_GETARG_FACE_EMBEDDING(0), PG_GETARG_FACE_EMBEDDING(1)); \
	PG_RETURN_BOOL(test); \
}

CMP_FUNCTION(face_embedding_eq, c == 0)
CMP_FUNCTION(face_embedding_ne, c != 0)
CMP_FUNCTION(face_embedding_lt, c < 0)
CMP_FUNCTION(face_embedding_le, c <= 0)
CMP_FUNCTION(face_embedding_gt, c > 0)
CMP_FUNCTION(face_embedding_ge, c >= 0)
