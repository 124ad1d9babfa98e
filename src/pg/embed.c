/*
 * Photos to faces in SQL: face_embed, face_embed_all, face_detect, face_chip;
 * face_contact_sheet tiles images (chips) into one PNG.
 *
 * Core allocates with malloc.  Everything it hands back is owned by a
 * photo_faces struct whose cleanup is registered on the calling memory
 * context, so an ERROR anywhere (a palloc failure, a cancel) still frees it
 * when PostgreSQL resets that context.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/geo_decls.h"

#include "embedding.h"
#include "image/image.h"
#include "openface.h"

/* a descriptor is stored as it comes out of the network */
StaticAssertDecl(FACE_EMBEDDING_DIM == OF_DESCRIPTOR_DIM, "face_embedding holds one descriptor");

typedef struct photo_faces
{
	of_photo	ph;				/* its regions point into the detoasted bytea */
	of_face    *faces;
	int			n;
	MemoryContextCallback cb;
} photo_faces;

static void
photo_faces_release(void *arg)
{
	photo_faces *p = arg;

	of_photo_free(&p->ph);
	free(p->faces);
	p->faces = NULL;
	p->n = 0;
}

static const char *
image_hint(of_status code)
{
	switch (code)
	{
		case OF_ELIMIT:
			return "The limit is the smaller of openface.max_image_pixels and the superuser setting openface.max_image_pixels_ceiling.";
		case OF_EFORMAT:
			return "openface reads JPEG, PNG, HEIC and WebP images.";
		case OF_ECORRUPT:
			return "The image data is truncated or damaged.";
		default:
			return NULL;
	}
}

/* Decoder failures that are the photo's own fault, which a trigger may be told to accept. */
static bool
photo_undecodable(of_status code)
{
	return code == OF_EFORMAT || code == OF_ECORRUPT || code == OF_ELIMIT;
}

/*
 * Decode the photo and run the pipeline on it: on every face, or only the
 * most prominent; with descriptors or only up to landmarks and chip.  With
 * undecodable non-NULL, a photo that cannot be decoded gives no faces and
 * its decoder's error there instead of an ERROR (its code stays OF_OK
 * otherwise).
 */
static photo_faces *
photo_faces_compute(bytea *photo, bool all, bool describe, of_error *undecodable)
{
	photo_faces *p = palloc0(sizeof(photo_faces));
	const of_models *m = openface_models();
	of_decode_opts dopts = {0};
	of_pipeline_options popts;
	of_error	err = {0};

	p->cb.func = photo_faces_release;
	p->cb.arg = p;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &p->cb);

	openface_decode_options(&dopts);
	openface_pipeline_options(&popts);
	popts.no_descriptors = !describe;
	if (undecodable != NULL)
		undecodable->code = OF_OK;
	if (of_photo_open(VARDATA_ANY(photo), VARSIZE_ANY_EXHDR(photo), &dopts,
					  of_pipeline_detect_side(&popts), &p->ph, &err) != OF_OK)
	{
		if (undecodable == NULL || !photo_undecodable(err.code))
			openface_report(&err, "could not decode image", image_hint(err.code));
		*undecodable = err;
		return p;
	}
	if (of_pipeline_run_photo(m, &p->ph, &popts, all, &p->faces, &p->n, &err) != OF_OK)
		openface_report(&err, "face pipeline failed", NULL);
	return p;
}

static Datum
face_box(const of_face *f)
{
	Datum		d[4];

	d[0] = Int32GetDatum((int32) rint(f->x));
	d[1] = Int32GetDatum((int32) rint(f->y));
	d[2] = Int32GetDatum((int32) rint(f->w));
	d[3] = Int32GetDatum((int32) rint(f->h));
	return PointerGetDatum(construct_array(d, 4, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

static Datum
face_landmarks(const of_face *f)
{
	Datum		d[68];

	for (int i = 0; i < 68; i++)
	{
		Point	   *pt = palloc(sizeof(Point));

		pt->x = f->landmarks[2 * i];
		pt->y = f->landmarks[2 * i + 1];
		d[i] = PointPGetDatum(pt);
	}
	return PointerGetDatum(construct_array(d, 68, POINTOID, sizeof(Point), false, TYPALIGN_DOUBLE));
}

FaceEmbedding *
openface_embed_photo(bytea *photo, of_error *undecodable)
{
	photo_faces *p = photo_faces_compute(photo, false, true, undecodable);
	FaceEmbedding *e = NULL;

	if (p->n == 1 && p->faces[0].descriptor_valid)
		e = face_embedding_from_floats(p->faces[0].descriptor, FACE_EMBEDDING_DIM, "descriptor");
	photo_faces_release(p);
	return e;
}

/* face_embed(image bytea) → the most prominent face's descriptor, or NULL. */
PG_FUNCTION_INFO_V1(face_embed);
Datum
face_embed(PG_FUNCTION_ARGS)
{
	FaceEmbedding *e = openface_embed_photo(PG_GETARG_BYTEA_PP(0), NULL);

	if (e == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FACE_EMBEDDING(e);
}

/*
 * Face i of a photo as a row (face, box, score, embedding or landmarks):
 * numbered from 1 in detection order (descending score); a face whose
 * descriptor crop was empty has a NULL embedding.
 */
static void
face_row(const of_face *f, int i, bool with_embedding, Datum *values, bool *nulls)
{
	memset(nulls, 0, sizeof(bool) * FACE_ROW_COLUMNS);
	values[0] = Int32GetDatum(i + 1);
	values[1] = face_box(f);
	values[2] = Float4GetDatum((float4) f->score);
	if (!with_embedding)
		values[3] = face_landmarks(f);
	else if (f->descriptor_valid)
		values[3] = PointerGetDatum(face_embedding_from_floats(f->descriptor, FACE_EMBEDDING_DIM,
															   "descriptor"));
	else
		nulls[3] = true;
}

/* face_embed_all / face_detect: one row per face. */
static Datum
faces_srf(FunctionCallInfo fcinfo, bool with_embedding)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	photo_faces *p;

	InitMaterializedSRF(fcinfo, 0);
	p = photo_faces_compute(PG_GETARG_BYTEA_PP(0), true, with_embedding, NULL);
	for (int i = 0; i < p->n; i++)
	{
		Datum		values[FACE_ROW_COLUMNS];
		bool		nulls[FACE_ROW_COLUMNS];

		face_row(&p->faces[i], i, with_embedding, values, nulls);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	photo_faces_release(p);
	return (Datum) 0;
}

int
openface_face_rows(bytea *photo, Datum **values, bool **nulls, of_error *undecodable)
{
	photo_faces *p = photo_faces_compute(photo, true, true, undecodable);
	int			n = p->n;

	*values = palloc(sizeof(Datum) * FACE_ROW_COLUMNS * (n ? n : 1));
	*nulls = palloc(sizeof(bool) * FACE_ROW_COLUMNS * (n ? n : 1));
	for (int i = 0; i < n; i++)
		face_row(&p->faces[i], i, true, *values + FACE_ROW_COLUMNS * i,
				 *nulls + FACE_ROW_COLUMNS * i);
	photo_faces_release(p);
	return n;
}

PG_FUNCTION_INFO_V1(face_embed_all);
Datum
face_embed_all(PG_FUNCTION_ARGS)
{
	return faces_srf(fcinfo, true);
}

PG_FUNCTION_INFO_V1(face_detect);
Datum
face_detect(PG_FUNCTION_ARGS)
{
	return faces_srf(fcinfo, false);
}

/* face_chip(image bytea, face int) → the aligned face as PNG, NULL if no such face. */
PG_FUNCTION_INFO_V1(face_chip);
Datum
face_chip(PG_FUNCTION_ARGS)
{
	int			which = PG_GETARG_INT32(1);
	photo_faces *p = photo_faces_compute(PG_GETARG_BYTEA_PP(0), true, false, NULL);
	of_image	chip = {0};
	unsigned char *png = NULL;
	size_t		len = 0;
	of_error	err = {0};
	of_status	st;
	bytea	   *result;

	if (which < 1 || which > p->n)
	{
		photo_faces_release(p);
		PG_RETURN_NULL();
	}
	/* the pipeline decoded what this chip reads */
	st = of_pipeline_chip(&p->ph.full, &p->faces[which - 1], OF_RECOGNIZER_INPUT, &chip, &err);
	if (st == OF_OK)
		st = of_image_encode_png(&chip, &png, &len, &err);
	of_image_free(&chip);
	photo_faces_release(p);
	if (st != OF_OK)
	{
		free(png);
		openface_report(&err, "could not make the face chip", NULL);
	}
	result = palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), png, len);
	free(png);
	PG_RETURN_BYTEA_P(result);
}

/* Bounds of a contact sheet's cell, in pixels. */
#define SHEET_MIN_CELL	8
#define SHEET_MAX_CELL	1024

typedef struct sheet_state
{
	of_image	sheet;
	of_image	img;			/* the image being placed */
	MemoryContextCallback cb;
} sheet_state;

static void
sheet_state_release(void *arg)
{
	sheet_state *s = arg;

	of_image_free(&s->sheet);
	of_image_free(&s->img);
}

/*
 * face_contact_sheet(images bytea[], columns int, cell int) → PNG: the
 * images (JPEG or PNG, e.g. face_chip's) in a grid, in array order, each
 * scaled to fit a cell x cell square; a NULL element leaves its cell empty.
 * columns 0: the smallest square-ish grid.  The sheet, like every image
 * decoded, is limited to openface.max_image_pixels (and its ceiling); the
 * images are decoded one at a time.  NULL for an empty array.
 */
PG_FUNCTION_INFO_V1(face_contact_sheet);
Datum
face_contact_sheet(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int			columns = PG_GETARG_INT32(1);
	int			cell = PG_GETARG_INT32(2);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	of_decode_opts dopts = {0};
	of_error	err = {0};
	sheet_state *s;
	unsigned char *png = NULL;
	size_t		len = 0;
	bytea	   *result;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("face_contact_sheet takes a one-dimensional array of images")));
	if (cell < SHEET_MIN_CELL || cell > SHEET_MAX_CELL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cell must be between %d and %d pixels, got %d",
						SHEET_MIN_CELL, SHEET_MAX_CELL, cell)));
	if (columns < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("columns must be >= 0, got %d", columns),
				 errhint("0 chooses a square-ish grid.")));
	deconstruct_array(arr, BYTEAOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		PG_RETURN_NULL();
	if (columns == 0)
		columns = (int) ceil(sqrt((double) n));
	columns = Min(columns, n);

	s = palloc0(sizeof(sheet_state));
	s->cb.func = sheet_state_release;
	s->cb.arg = s;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &s->cb);
	openface_decode_options(&dopts);
	if (of_sheet_init(n, columns, cell, dopts.max_pixels, &s->sheet, &err) != OF_OK)
		openface_report(&err, "could not make the contact sheet",
						err.code == OF_ELIMIT ?
						"Use fewer images, fewer columns or smaller cells; the limit is openface.max_image_pixels." :
						NULL);
	for (int i = 0; i < n; i++)
	{
		bytea	   *b;

		CHECK_FOR_INTERRUPTS();
		if (nulls[i])
			continue;
		b = DatumGetByteaPP(elems[i]);
		if (of_image_decode(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), &dopts, &s->img, &err) != OF_OK)
			openface_report(&err, psprintf("could not decode image %d", i + 1), image_hint(err.code));
		of_sheet_place(&s->sheet, i, columns, cell, &s->img);
		of_image_free(&s->img);
	}
	if (of_image_encode_png(&s->sheet, &png, &len, &err) != OF_OK)
	{
		free(png);
		openface_report(&err, "could not encode the contact sheet", NULL);
	}
	sheet_state_release(s);
	result = palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), png, len);
	free(png);
	PG_RETURN_BYTEA_P(result);
}
