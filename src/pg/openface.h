/*
 * Shared state of the extension: GUC values and the per-backend model cache.
 */
#ifndef OPENFACE_H
#define OPENFACE_H

#include "common.h"
#include "image/image.h"
#include "nets/nets.h"
#include "pipeline.h"

/* The models, mapped on first use in this backend (ERROR if unavailable). */
extern const of_models *openface_models(void);

/*
 * openface.max_call_memory in bytes, and an ERROR (54000) naming what when
 * bytes exceed it.
 */
extern size_t openface_call_memory(void);
extern void openface_check_call_memory(double bytes, const char *what);

/* relid's name, schema-qualified and quoted; ERROR (42P01) if it is gone. */
extern char *openface_qualified_relname(Oid relid);

/* face_embedding of the extension installed in schema nsp (src/pg/trigger.c) */
extern Oid	openface_embedding_type(Oid nsp);

/* Decoding and pipeline options from the openface.* settings. */
extern void openface_decode_options(of_decode_opts *o);
extern void openface_pipeline_options(of_pipeline_options *o);

/*
 * face_embed_all's rows for a photo (face, box, score, embedding), without
 * going through SQL: *values and *nulls are palloc'd, FACE_ROW_COLUMNS per
 * face; returns the number of faces.
 *
 * Both these and openface_embed_photo raise an ERROR for a photo that
 * cannot be decoded, unless undecodable is non-NULL: then a photo in an
 * unsupported format, damaged or over the pixel limit has no faces, and
 * undecodable->code is its decoder's status (OF_OK for every other photo).
 */
#define FACE_ROW_COLUMNS 4
extern int	openface_face_rows(bytea *photo, Datum **values, bool **nulls, of_error *undecodable);

/* The most prominent face's descriptor (palloc'd), NULL when there is none. */
struct FaceEmbedding;
extern struct FaceEmbedding *openface_embed_photo(bytea *photo, of_error *undecodable);

/*
 * Turn a core failure into an ERROR with the matching SQLSTATE.  A canceled
 * computation raises the pending interrupt instead.  "what" says what failed;
 * hint (may be NULL) is the caller's advice for this failure.
 */
extern void openface_report(const of_error *err, const char *what, const char *hint)
			pg_attribute_noreturn();

/*
 * Run one SPI statement as owner (the extension's or a table's), with
 * SECURITY_RESTRICTED_OPERATION, under search_path = pg_catalog, pg_temp
 * (src/pg/security.c).  The caller is connected to SPI and names every
 * object in sql schema-qualified.  Returns SPI_execute_with_args' code.
 */
extern int	openface_spi_as_owner(Oid owner, const char *sql, int nargs, Oid *argtypes,
								  Datum *values, const char *nulls, bool read_only);

/* One of the extension's own tables, and its owner, for openface_spi_as_owner(). */
typedef struct openface_table
{
	Oid			relid;
	Oid			owner;
	char	   *qualified;		/* quoted schema.table */
} openface_table;

/* Table name of the extension installed in schema nsp; false when it is not there. */
extern bool openface_find_table(Oid nsp, const char *name, openface_table *t);

#endif
