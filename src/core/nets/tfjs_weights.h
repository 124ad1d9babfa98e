/*
 * Reader for TensorFlow.js layers-model weights: a JSON manifest listing
 * tensors in order plus the binary shard(s) holding them back to back.
 * Only what face-api's models use: float32 tensors, stored either raw or
 * uint8-quantised (docs/networks.md §3).
 */
#ifndef OF_TFJS_WEIGHTS_H
#define OF_TFJS_WEIGHTS_H

#include <stddef.h>

#include "common.h"

#define OF_TFJS_MAX_DIMS 4
#define OF_TFJS_MAX_NAME 56

typedef struct of_tfjs_tensor
{
	char		name[OF_TFJS_MAX_NAME];
	int			ndim;
	int			shape[OF_TFJS_MAX_DIMS];
	size_t		count;			/* product of shape */
	int			quantized;		/* 1 if stored as uint8, 0 if raw float32 */
	float	   *data;			/* dequantised values, count floats */
} of_tfjs_tensor;

typedef struct of_tfjs_model
{
	int			count;
	of_tfjs_tensor *tensors;	/* in manifest order */
} of_tfjs_model;

/*
 * Load "<dir>/<model>-weights_manifest.json" and its shards, dequantising
 * every tensor to float32.  On success *out must be freed with
 * of_tfjs_free().
 */
of_status	of_tfjs_load(const char *dir, const char *model, of_tfjs_model **out,
						 of_error *err);
void		of_tfjs_free(of_tfjs_model *m);

/* The tensor called name, or NULL. */
const of_tfjs_tensor *of_tfjs_find(const of_tfjs_model *m, const char *name);

/* Exposed for tests: the dequantisation rule of tf.io.decodeWeights. */
float		of_tfjs_dequantize(unsigned char q, double scale, double min);

#endif
