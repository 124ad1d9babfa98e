/*
 * The face_embedding type: exactly 128 float4, stored as a fixed-length
 * 512-byte value with no varlena header (typlen 512, passed by reference,
 * 4-byte alignment).  Being fixed-length it is never TOASTed or compressed,
 * so reading one never needs detoasting or copying.
 */
#ifndef OPENFACE_EMBEDDING_H
#define OPENFACE_EMBEDDING_H

#include "postgres.h"
#include "fmgr.h"

#include "embedding_io.h"

#define FACE_EMBEDDING_DIM OF_EMBEDDING_DIM

typedef struct FaceEmbedding
{
	float4		x[FACE_EMBEDDING_DIM];
} FaceEmbedding;

#define DatumGetFaceEmbedding(d)		((FaceEmbedding *) DatumGetPointer(d))
#define PG_GETARG_FACE_EMBEDDING(n)	DatumGetFaceEmbedding(PG_GETARG_DATUM(n))
#define PG_RETURN_FACE_EMBEDDING(e)	PG_RETURN_POINTER(e)

/*
 * A palloc'd embedding from n floats; ERROR (SQLSTATE 22000 class) when n is
 * not 128 or an element is NaN or infinite.  "what" names the source in the
 * message.
 */
extern FaceEmbedding *face_embedding_from_floats(const float *v, int n, const char *what);

/* Text I/O, also used by face_sphere's. */
extern Datum face_embedding_in(PG_FUNCTION_ARGS);
extern Datum face_embedding_out(PG_FUNCTION_ARGS);

#endif
