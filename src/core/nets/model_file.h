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
 * (OF_ECORRUPT): the nets bind their weights through this.
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

/*
 * A network's tensors: their names under prefix, listed by specs() in the
 * order its weight struct binds them (at most OF_NET_MAX_TENSORS).
 */
#define OF_NET_MAX_TENSORS 128

typedef struct of_net_tensors
{
	const char *prefix;
	int			count;
	void		(*specs) (of_mf_spec *out);
} of_net_tensors;

/* Copy a net's TF.js tensors unchanged (shapes checked) into the writer. */
of_status	of_net_copy(const of_tfjs_model *src, const of_net_tensors *net, of_mf_writer *w,
						of_error *err);

/* Resolve every tensor of net into ptrs[net->count], checking shapes. */
of_status	of_net_bind(const of_models *m, const of_net_tensors *net, const float **ptrs,
						of_error *err);

/*
 * The container alone: map (or wrap) and validate a model file, without
 * asking which networks it holds (nets/models.c does, in of_models_open).
 */
of_status	of_mf_open(const char *path, of_models **out, of_error *err);
of_status	of_mf_open_memory(const void *buf, size_t len, of_models **out, of_error *err);

#endif
