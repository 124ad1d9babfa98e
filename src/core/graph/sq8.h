/*
 * 8-bit scalar quantisation of float vectors, one (offset, step) pair per
 * dimension, for the vectors stored in the index graph.
 *
 * Every code carries the exact norm of its quantisation residual, r = |x - x^|,
 * so that d(q, x) >= d(q, x^) - r (triangle inequality): distances computed
 * on codes turn into true lower bounds, which lets the executor re-rank with
 * exact distances without ever missing the true order.
 */
#ifndef OF_GRAPH_SQ8_H
#define OF_GRAPH_SQ8_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#define OF_SQ8_MAX_DIM 256

typedef struct of_sq8
{
	uint32_t	dim;
	float		lo[OF_SQ8_MAX_DIM];
	float		step[OF_SQ8_MAX_DIM];
} of_sq8;

/* A query prepared for fast distances to codes. */
typedef struct of_sq8_query
{
	uint32_t	dim;
	float		qs[OF_SQ8_MAX_DIM];	/* (q - lo) / step */
	float		w[OF_SQ8_MAX_DIM];	/* step^2 */
} of_sq8_query;

/* Fit per-dimension ranges to n vectors (n may be 0: range [-1, 1]). */
of_status	of_sq8_train(of_sq8 *q, const float *vecs, size_t n, size_t dim,
						 of_error *err);

/* Encode x; returns the residual norm rounded up so it never understates. */
float		of_sq8_encode(const of_sq8 *q, const float *x, uint8_t *code);

void		of_sq8_decode(const of_sq8 *q, const uint8_t *code, float *out);

void		of_sq8_prepare(const of_sq8 *q, const float *x, of_sq8_query *out);

/* Squared L2 distance between the query and the decoded code. */
float		of_sq8_l2_squared(const of_sq8_query *qq, const uint8_t *code);

/*
 * The same, with 512-bit vectors where the CPU has them: for loops that are
 * mostly distances, such as the in-memory build (sq8.c has the figures).
 */
float		of_sq8_l2_squared_wide(const of_sq8_query *qq, const uint8_t *code);

/*
 * Lower bound of the exact L2 distance from the code's squared distance and
 * residual, with a margin for float rounding in both computations.
 */
float		of_sq8_l2_lower_bound(float code_l2sq, float resid);

#endif
