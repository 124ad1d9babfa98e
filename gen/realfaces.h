/*
 * Deterministic 128-d data shaped like real face descriptors, for the index
 * benchmarks: a two-covariance Gaussian fitted to this project's own
 * unit-normalised descriptors of LFW view 1 (gen/realfaces_params.h, made by
 * gen/realfaces_fit.c).  An identity is a centre mean + B z; each photo of it
 * adds W z' and is unit-normalised, as the descriptors were.  Unlike the
 * isotropic clusters of gen/facelike.h (local intrinsic dimension ~3) this
 * keeps the real spread: LID ~18, nearest neighbours at ~0.3 against ~0.57
 * between random faces, so graph searches meet the difficulty they meet on
 * real data.  Header-only, with src/core on the include path; every
 * generator threads its own 64-bit state.
 */
#ifndef OF_REALFACES_H
#define OF_REALFACES_H

#include "facelike.h"
#include "realfaces_params.h"

/* photos per identity: 1 + Poisson(REALFACES_EXTRA_PHOTOS), mean 3 */
#define REALFACES_EXTRA_PHOTOS 2.0

/* v = base + factor z + residual_sd .* z' for fresh standard normal z, z' */
static inline void
realfaces_draw(uint64_t *state, const float *base,
			   const float factor[REALFACES_RANK][REALFACES_DIM],
			   const float *residual_sd, float *v)
{
	for (int j = 0; j < REALFACES_DIM; j++)
		v[j] = base[j] + residual_sd[j] * (float) facelike_gauss(state);
	for (int r = 0; r < REALFACES_RANK; r++)
	{
		float		z = (float) facelike_gauss(state);

		for (int j = 0; j < REALFACES_DIM; j++)
			v[j] += z * factor[r][j];
	}
}

/* A new identity's centre (not normalised: it is no photo). */
static inline void
realfaces_identity(uint64_t *state, float *centre)
{
	realfaces_draw(state, realfaces_mean, realfaces_between_factor,
				   realfaces_between_residual_sd, centre);
}

/* One photo of the identity at centre, unit-normalised. */
static inline void
realfaces_photo(uint64_t *state, const float *centre, float *out)
{
	realfaces_draw(state, centre, realfaces_within_factor,
				   realfaces_within_residual_sd, out);
	facelike_normalise(out, REALFACES_DIM);
}

/* How many photos the next identity has: 1 + Poisson(REALFACES_EXTRA_PHOTOS). */
static inline int
realfaces_photo_count(uint64_t *state)
{
	double		limit = exp(-REALFACES_EXTRA_PHOTOS),
				p = 1;
	int			k = 0;

	for (;;)
	{
		p *= (facelike_next(state) >> 11) / 9007199254740992.0;
		if (p <= limit)
			return 1 + k;
		k++;
	}
}

#endif
