/*
 * Distance kernels over float vectors, shared by the face_embedding type,
 * the index access method and clustering.
 *
 * Each kernel picks the widest instruction set the CPU offers (AVX-512F,
 * AVX2+FMA, or portable C) once, at first use.  Results agree with the
 * portable kernels within float rounding (they sum in a different order).
 */
#ifndef OF_DISTANCE_H
#define OF_DISTANCE_H

#include <stddef.h>

/* sum_i (a_i - b_i)^2 */
float		of_l2_squared(const float *a, const float *b, size_t n);

/* sum_i a_i * b_i */
float		of_dot(const float *a, const float *b, size_t n);

/* sqrt(of_l2_squared) */
float		of_l2_distance(const float *a, const float *b, size_t n);

/*
 * 1 - cos(a, b), clamped to [0, 2].  NaN when either vector has zero norm,
 * as cosine is undefined there; callers decide what that means.
 */
double		of_cosine_distance(const float *a, const float *b, size_t n);

/*
 * Start loading the bytes at p into cache, a cache line at a time.  Graph
 * searches visit vectors in random order, so each distance waits on memory
 * unless the next vector was asked for while this one was computed.
 *
 * A macro, and callers keep it in a body that does more than prefetch: GCC
 * 12 finds a function that only prefetches free of effects and drops every
 * call to it, prefetches and all (test/build/001_prefetch.sh counts the
 * prefetch instructions in the build).
 */
#define OF_CACHE_LINE 64
#if defined(__GNUC__)
#define OF_PREFETCH(p, bytes) \
	do { \
		for (size_t of_prefetch_at_ = 0; of_prefetch_at_ < (size_t) (bytes); \
			 of_prefetch_at_ += OF_CACHE_LINE) \
			__builtin_prefetch((const char *) (p) + of_prefetch_at_); \
	} while (0)
#else
#define OF_PREFETCH(p, bytes) ((void) (p), (void) (bytes))
#endif

/* Portable reference kernels, exported for the unit tests. */
float		of_l2_squared_scalar(const float *a, const float *b, size_t n);
float		of_dot_scalar(const float *a, const float *b, size_t n);

/* Name of the kernel family in use: "avx512", "avx2" or "scalar". */
const char *of_distance_isa(void);

/*
 * Switch to the named kernel family if this CPU supports it (returns 1), else
 * leave the choice alone (returns 0).  For tests and benchmarks.
 */
int			of_distance_use_isa(const char *name);

#endif
