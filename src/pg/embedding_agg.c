/*
 * sum(face_embedding) and avg(face_embedding).
 *
 * The transition state is a float8[] of 1 + 128 elements (count, then sums),
 * an ordinary SQL type, so partial aggregation across parallel workers needs
 * no serialisation functions.  Sums are kept in double to avoid the drift of
 * adding many float4 values.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "embedding.h"

#define STATE_LEN (1 + FACE_EMBEDDING_DIM)

static float8 *
state_values(ArrayType *a)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != STATE_LEN || ARR_HASNULL(a) ||
		ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "face_embedding aggregate: malformed transition state");
	return (float8 *) ARR_DATA_PTR(a);
}

/*
 * In an aggregate context the state array may be updated in place; otherwise
 * it must be copied first.
 */
static ArrayType *
writable_state(FunctionCallInfo fcinfo, int argno)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(argno);
	return PG_GETARG_ARRAYTYPE_P_COPY(argno);
}

PG_FUNCTION_INFO_V1(face_embedding_accum);
Datum
face_embedding_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = writable_state(fcinfo, 0);
	FaceEmbedding *e = PG_GETARG_FACE_EMBEDDING(1);
	float8	   *s = state_values(state);

	s[0] += 1.0;
	for (int i = 0; i < FACE_EMBEDDING_DIM; i++)
		s[1 + i] += e->x[i];
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(face_embedding_combine);
Datum
face_embedding_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state = writable_state(fcinfo, 0);
	float8	   *s = state_values(state);
	float8	   *t = state_values(PG_GETARG_ARRAYTYPE_P(1));

	for (int i = 0; i < STATE_LEN; i++)
		s[i] += t[i];
	PG_RETURN_ARRAYTYPE_P(state);
}

static Datum
finish(ArrayType *state, bool average)
{
	float8	   *s = state_values(state);
	FaceEmbedding *r;

	if (s[0] == 0.0)
		return (Datum) 0;
	r = palloc(sizeof(FaceEmbedding));
	for (int i = 0; i < FACE_EMBEDDING_DIM; i++)
	{
		double		v = average ? s[1 + i] / s[0] : s[1 + i];

		if (!isfinite(v) || fabs(v) > FLT_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("face_embedding sum is out of range in element %d", i + 1),
					 errhint("Use avg(), or sum fewer values.")));
		r->x[i] = (float) v;
	}
	return PointerGetDatum(r);
}

PG_FUNCTION_INFO_V1(face_embedding_avg_final);
Datum
face_embedding_avg_final(PG_FUNCTION_ARGS)
{
	Datum		d = finish(PG_GETARG_ARRAYTYPE_P(0), true);

	if (d == (Datum) 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(d);
}

PG_FUNCTION_INFO_V1(face_embedding_sum_final);
Datum
face_embedding_sum_final(PG_FUNCTION_ARGS)
{
	Datum		d = finish(PG_GETARG_ARRAYTYPE_P(0), false);

	if (d == (Datum) 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(d);
}
