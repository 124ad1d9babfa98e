/*
 * face_embedding: text and binary I/O, casts from and to arrays.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "embedding.h"
#include "embedding_io.h"

static FaceEmbedding *
embedding_alloc(void)
{
	return (FaceEmbedding *) palloc(sizeof(FaceEmbedding));
}

#define FINITE_HINT "Every element must be a finite real number."

/*
 * ERROR for a failed core check of the value (OF_EINVAL: not finite) or of
 * the element count (OF_ECORRUPT), both SQLSTATE 22000.
 */
static void value_error(const of_error *err) pg_attribute_noreturn();

static void
value_error(const of_error *err)
{
	if (err->code == OF_ECORRUPT)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s", err->msg),
				 errhint("A face descriptor has exactly %d elements.", FACE_EMBEDDING_DIM)));
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("%s", err->msg),
			 errhint(FINITE_HINT)));
}

static void
check_dimension(int n)
{
	of_error	err;

	if (of_embedding_check_dim(n, &err) != OF_OK)
		value_error(&err);
}

FaceEmbedding *
face_embedding_from_floats(const float *v, int n, const char *what)
{
	FaceEmbedding *e;
	of_error	err;

	check_dimension(n);
	for (int i = 0; i < n; i++)
		if (of_embedding_check_value(v[i], i, what, &err) != OF_OK)
			value_error(&err);
	e = embedding_alloc();
	memcpy(e->x, v, sizeof(e->x));
	return e;
}

PG_FUNCTION_INFO_V1(face_embedding_in);
Datum
face_embedding_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	float		v[FACE_EMBEDDING_DIM];
	of_text_span bad;
	of_error	err;

	switch (of_embedding_parse_text(str, v, &bad, &err))
	{
		case OF_OK:
			break;
		case OF_EFORMAT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type face_embedding: \"%s\"", str),
					 errdetail("%s", err.msg),
					 errhint("Write %d numbers in brackets, e.g. \"[0.1,-0.2,...]\".",
							 FACE_EMBEDDING_DIM)));
			break;
		case OF_ELIMIT:
			/* from the span: err.msg may have cut a long number short */
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value \"%.*s\" is out of range for type face_embedding",
							(int) bad.len, str + bad.at),
					 errhint(FINITE_HINT)));
			break;
		default:
			value_error(&err);
	}
	PG_RETURN_FACE_EMBEDDING(face_embedding_from_floats(v, FACE_EMBEDDING_DIM, "input"));
}

PG_FUNCTION_INFO_V1(face_embedding_out);
Datum
face_embedding_out(PG_FUNCTION_ARGS)
{
	FaceEmbedding *e = PG_GETARG_FACE_EMBEDDING(0);
	char	   *buf = palloc(FACE_EMBEDDING_DIM * (FLOAT_SHORTEST_DECIMAL_LEN + 1) + 2);
	char	   *p = buf;

	/* Shortest round-trip digits: output parses back to the same bits. */
	*p++ = '[';
	for (int i = 0; i < FACE_EMBEDDING_DIM; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(e->x[i], p);
	}
	*p++ = ']';
	*p = '\0';
	PG_RETURN_CSTRING(buf);
}

PG_FUNCTION_INFO_V1(face_embedding_recv);
Datum
face_embedding_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	float		v[FACE_EMBEDDING_DIM];
	of_error	err;
	int			len = buf->len - buf->cursor;
	const char *bytes = pq_getmsgbytes(buf, len);

	switch (of_embedding_decode_binary((const unsigned char *) bytes, (size_t) len, v, &err))
	{
		case OF_OK:
			break;
		case OF_ECORRUPT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("%s", err.msg),
					 errhint("The binary form is %d big-endian float4 values.", FACE_EMBEDDING_DIM)));
			break;
		default:
			value_error(&err);
	}
	PG_RETURN_FACE_EMBEDDING(face_embedding_from_floats(v, FACE_EMBEDDING_DIM, "binary input"));
}

PG_FUNCTION_INFO_V1(face_embedding_send);
Datum
face_embedding_send(PG_FUNCTION_ARGS)
{
	FaceEmbedding *e = PG_GETARG_FACE_EMBEDDING(0);
	unsigned char bytes[OF_EMBEDDING_BINARY_SIZE];
	StringInfoData buf;

	of_embedding_encode_binary(e->x, bytes);
	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) bytes, sizeof(bytes));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * Unpack a one-dimensional array without NULLs of the given element type;
 * returns the element count.
 */
static int
array_elements(ArrayType *arr, Oid elemtype, Datum **values)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	bool	   *nulls;
	int			n;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("face_embedding needs a one-dimensional array, not %d dimensions", ARR_NDIM(arr)),
				 errhint("Pass a flat array of %d numbers.", FACE_EMBEDDING_DIM)));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, values, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("face_embedding cannot contain NULL (array element %d)", i + 1),
					 errhint(FINITE_HINT)));
	return n;
}

static void
check_float_range(double d, int i)
{
	if (isfinite(d) && (d > FLT_MAX || d < -FLT_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value %g of array element %d is out of range for type face_embedding", d, i + 1),
				 errhint("Every element must fit in a real (float4).")));
}

PG_FUNCTION_INFO_V1(face_embedding_from_array);
Datum
face_embedding_from_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	Datum	   *values;
	float		v[FACE_EMBEDDING_DIM];
	int			n = array_elements(arr, elemtype, &values);

	check_dimension(n);
	for (int i = 0; i < n; i++)
	{
		double		d;

		switch (elemtype)
		{
			case FLOAT4OID:
				d = DatumGetFloat4(values[i]);
				break;
			case FLOAT8OID:
				d = DatumGetFloat8(values[i]);
				break;
			case INT4OID:
				d = DatumGetInt32(values[i]);
				break;
			case NUMERICOID:
				d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, values[i]));
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("cannot cast %s to face_embedding", format_type_be(get_array_type(elemtype))),
						 errhint("Cast from real[], double precision[], numeric[] or integer[].")));
		}
		check_float_range(d, i);
		v[i] = (float) d;
	}
	PG_RETURN_FACE_EMBEDDING(face_embedding_from_floats(v, n, "array"));
}

static ArrayType *
embedding_to_array(FaceEmbedding *e, bool as_double)
{
	Datum		d[FACE_EMBEDDING_DIM];

	for (int i = 0; i < FACE_EMBEDDING_DIM; i++)
		d[i] = as_double ? Float8GetDatum(e->x[i]) : Float4GetDatum(e->x[i]);
	if (as_double)
		return construct_array(d, FACE_EMBEDDING_DIM, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	return construct_array(d, FACE_EMBEDDING_DIM, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
}

PG_FUNCTION_INFO_V1(face_embedding_to_real_array);
Datum
face_embedding_to_real_array(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(embedding_to_array(PG_GETARG_FACE_EMBEDDING(0), false));
}

PG_FUNCTION_INFO_V1(face_embedding_to_double_array);
Datum
face_embedding_to_double_array(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(embedding_to_array(PG_GETARG_FACE_EMBEDDING(0), true));
}
