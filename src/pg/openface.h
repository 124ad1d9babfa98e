/*
 * Shared state of the extension: GUC values and the per-backend model cache.
 */
#ifndef OPENFACE_H
#define OPENFACE_H

#include "common.h"
#include "image.h"
#include "nets.h"
#include "pipeline.h"

/* The models, mapped on first use in this backend (ERROR if unavailable). */
extern const of_models *openface_models(void);

/* Decoding and pipeline options from the openface.* settings. */
extern void openface_decode_options(of_decode_opts *o);
extern void openface_pipeline_options(of_pipeline_options *o);

/* The most prominent face's descriptor (palloc'd), NULL when there is none. */
struct FaceEmbedding;
extern struct FaceEmbedding *openface_embed_photo(bytea *photo);

/*
 * Turn a core failure into an ERROR with the matching SQLSTATE.  A canceled
 * computation raises the pending interrupt instead.  "what" says what failed;
 * hint (may be NULL) is the caller's advice for this failure.
 */
extern void openface_report(const of_error *err, const char *what, const char *hint)
			pg_attribute_noreturn();

#endif
