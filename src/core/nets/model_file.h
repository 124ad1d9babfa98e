/*
 * The converted model file (".ofm"): the three networks' weights,
 * dequantised, folded and laid out for the kernels in layers.c, so that
 * run time only has to mmap it.  All PostgreSQL backends then share one
 * copy through the page cache.
 *
 * Layout (little-endian):
 *   header   64 bytes   magic "OFMODELS", version, byte-order mark,
 *                       tensor count, file size, table and data offsets,
 *                       checksum of every byte after the header
 *   table    96 bytes per tensor, sorted by name (binary search)
 *   data     float32 tensors, each starting on a 64-byte boundary
 * The file size is a multiple of 64.
 */
#ifndef OF_MODEL_FILE_H
#define OF_MODEL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "nets/nets.h"
#include "nets/tfjs_weights.h"

#define OF_MF_MAGIC "OFMODELS"
#define OF_MF_VERSION 1
#define OF_MF_ALIGN 64
#define OF_MF_MAX_NAME 56
#define OF_MF_MAX_DIMS 4

typedef struct of_mf_entry
{
	char		name[OF_MF_MAX_NAME];	/* NUL-terminated, NUL-padded */
	uint32_t	ndim;
	uint32_t	shape[OF_MF_MAX_DIMS];	/* unused dimensions are 0 */
	uint32_t	reserved;
	uint64_t	offset;			/* from the start of the data section */
	uint64_t	count;			/* number of floats */
} of_mf_entry;

struct of_models
{
	const unsigned char *map;
	size_t		size;
	int			mapped;			/* map is ours to munmap (of_models_open) */
	const of_mf_entry *table;
	uint32_t	count;
	const unsigned char *data;
};

/*
 * The tensor called name with exactly this shape, or NULL with err filled
 * (OF_ECORRUPT): the nets bind their weights through this, and
 * of_models_open() calls each net's check so a wrong file fails there.
 */
const float *of_models_tensor(const of_models *m, const char *name, int ndim,
							  const int *shape, of_error *err);

/* Conversion-time builder: tensors are copied in, then written at once. */
typedef struct of_mf_writer of_mf_writer;

of_status	of_mf_writer_new(of_mf_writer **out, of_error *err);
void		of_mf_writer_free(of_mf_writer *w);
of_status	of_mf_add(of_mf_writer *w, const char *name, int ndim, const int *shape,
					  const float *data, of_error *err);
/* Add a TF.js tensor unchanged, renamed prefix + its manifest name. */
of_status	of_mf_add_tfjs(of_mf_writer *w, const char *prefix,
						   const of_tfjs_tensor *t, of_error *err);
of_status	of_mf_write(const of_mf_writer *w, const char *path, of_error *err);

/* A tensor a network expects: name (without the network prefix) and shape. */
typedef struct of_mf_spec
{
	char		name[OF_MF_MAX_NAME - 8];
	int			ndim;
	int			shape[OF_MF_MAX_DIMS];
} of_mf_spec;

/* Fill a spec (unused dimensions 0). */
void		of_mf_spec_set(of_mf_spec *spec, const char *name, int ndim, int d0, int d1,
						   int d2, int d3);

/* Copy the TF.js tensors named by specs, checking shapes, as prefix + name. */
of_status	of_mf_copy_specs(const of_tfjs_model *src, const char *prefix,
							 const of_mf_spec *specs, int n, of_mf_writer *w,
							 of_error *err);

/* Resolve prefix + specs[i].name into ptrs[i], checking shapes. */
of_status	of_models_bind(const of_models *m, const char *prefix, const of_mf_spec *specs,
						   int n, const float **ptrs, of_error *err);

/*
 * Per-network hooks, one pair in each net (detector.c, landmarks.c,
 * recognizer.c): pack() turns the TF.js
 * tensors into what the forward pass reads; check() verifies that an
 * opened file holds all of them with the right shapes.
 */
of_status	of_detector_pack(const of_tfjs_model *src, of_mf_writer *w, of_error *err);
of_status	of_detector_check(const of_models *m, of_error *err);
of_status	of_landmarks_pack(const of_tfjs_model *src, of_mf_writer *w, of_error *err);
of_status	of_landmarks_check(const of_models *m, of_error *err);
of_status	of_recognizer_pack(const of_tfjs_model *src, of_mf_writer *w, of_error *err);
of_status	of_recognizer_check(const of_models *m, of_error *err);

#endif
