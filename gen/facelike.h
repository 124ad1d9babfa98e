/*
 * Deterministic "face-like" 128-d data for tests and benchmarks: identity
 * centres on the unit sphere that share a common direction (as real face
 * descriptors do), and samples scattered around them, normalised.  With the
 * defaults below, same-identity distances are about 0.34-0.52 and different
 * identities about 0.9-1.2, like raw descriptors of real faces.
 * Header-only (with src/core on the include path); every generator threads
 * its own 64-bit state.
 */
#ifndef OF_FACELIKE_H
#define OF_FACELIKE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

#define FACELIKE_DIM 128
#define FACELIKE_COMMON 0.92f	/* weight of the shared direction in a centre */
#define FACELIKE_NOISE 0.027f	/* per-coordinate sample noise */

/* the project's one splitmix64 (src/core/common.h) */
static inline uint64_t
facelike_next(uint64_t *state)
{
	return of_rng_next(state);
}

/* Standard normal variate (Box-Muller). */
static inline double
facelike_gauss(uint64_t *state)
{
	double		u1 = ((facelike_next(state) >> 11) + 1.0) / 9007199254740993.0;
	double		u2 = (facelike_next(state) >> 11) / 9007199254740992.0;

	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static inline void
facelike_normalise(float *v, int dim)
{
	double		s = 0;

	for (int j = 0; j < dim; j++)
		s += (double) v[j] * v[j];
	s = sqrt(s);
	for (int j = 0; j < dim; j++)
		v[j] = (float) (v[j] / s);
}

/* nid identity centres into c[nid][FACELIKE_DIM]. */
static inline void
facelike_centres(uint64_t *state, float *c, size_t nid)
{
	float		common[FACELIKE_DIM];

	for (int j = 0; j < FACELIKE_DIM; j++)
		common[j] = (float) facelike_gauss(state);
	facelike_normalise(common, FACELIKE_DIM);
	for (size_t i = 0; i < nid; i++)
	{
		float	   *ci = c + i * FACELIKE_DIM;

		for (int j = 0; j < FACELIKE_DIM; j++)
			ci[j] = (float) facelike_gauss(state);
		facelike_normalise(ci, FACELIKE_DIM);
		for (int j = 0; j < FACELIKE_DIM; j++)
			ci[j] += FACELIKE_COMMON * common[j];
		facelike_normalise(ci, FACELIKE_DIM);
	}
}

/* One new photo of the identity at centre (noise: usually FACELIKE_NOISE). */
static inline void
facelike_sample(uint64_t *state, const float *centre, float noise, float *out)
{
	for (int j = 0; j < FACELIKE_DIM; j++)
		out[j] = centre[j] + noise * (float) facelike_gauss(state);
	facelike_normalise(out, FACELIKE_DIM);
}

#endif
