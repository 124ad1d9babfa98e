/*
 * The dispatched SIMD distance kernels agree with the portable ones on
 * random data, for every length 0..300 and every misalignment 0..15 floats,
 * so no tail or alignment case of the dispatcher goes untested.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "distance.h"
#include "unit.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static float
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (float) ((double) (rng >> 11) / (double) (1ull << 53) * 2.0 - 1.0);
}

/* Relative agreement within float rounding of a sum of n terms. */
static int
close_enough(double got, double want, double scale, size_t n)
{
	return fabs(got - want) <= 1e-6 * (double) (n + 1) * (scale + 1e-30);
}

enum {MAXN = 300, MAXOFF = 16};

/* Compare the dispatched kernels with the portable ones on every length and offset. */
static void
check_isa(const char *isa, const float *a, const float *b)
{
	int			bad_l2 = 0, bad_dot = 0;

	if (!of_distance_use_isa(isa))
	{
		unit_diag("%s kernels not supported on this CPU: not tested", isa);
		return;
	}
	for (size_t n = 0; n <= MAXN; n++)
		for (int off = 0; off < MAXOFF; off++)
		{
			const float *x = a + off, *y = b + (MAXOFF - 1 - off);
			double		l2 = of_l2_squared_scalar(x, y, n);
			double		dot = of_dot_scalar(x, y, n);
			double		absdot = 0.0;

			for (size_t i = 0; i < n; i++)
				absdot += fabs((double) x[i] * y[i]);
			if (!close_enough(of_l2_squared(x, y, n), l2, l2, n))
				bad_l2++;
			if (!close_enough(of_dot(x, y, n), dot, absdot, n))
				bad_dot++;
		}
	ok(bad_l2 == 0, "%s of_l2_squared matches scalar for n 0..300, offsets 0..15 (%d mismatches)", isa, bad_l2);
	ok(bad_dot == 0, "%s of_dot matches scalar for n 0..300, offsets 0..15 (%d mismatches)", isa, bad_dot);
}

int
main(void)
{
	float	   *a = malloc((MAXN + MAXOFF) * sizeof(float));
	float	   *b = malloc((MAXN + MAXOFF) * sizeof(float));
	float		e1[128] = {0}, e2[128] = {0}, ones[128], twos[128], zero[128] = {0};
	const char *chosen = of_distance_isa();

	unit_diag("kernel family chosen by dispatch: %s", chosen);
	for (int i = 0; i < MAXN + MAXOFF; i++)
	{
		a[i] = rnd();
		b[i] = rnd();
	}
	check_isa("avx512", a, b);
	check_isa("avx2", a, b);
	check_isa("scalar", a, b);
	of_distance_use_isa(chosen);

	/* Hand-checked values. */
	e1[0] = 1.0f;
	e2[1] = 1.0f;
	for (int i = 0; i < 128; i++)
	{
		ones[i] = 1.0f;
		twos[i] = 2.0f;
	}
	ok(of_l2_squared(e1, e2, 128) == 2.0f, "|e1 - e2|^2 = 2");
	ok(of_l2_distance(ones, twos, 128) == sqrtf(128.0f), "|1 - 2| = sqrt(128)");
	ok(of_dot(ones, twos, 128) == 256.0f, "1 . 2 = 256");
	ok(fabs(of_cosine_distance(e1, e2, 128) - 1.0) < 1e-12, "cosine distance of orthogonal vectors = 1");
	ok(fabs(of_cosine_distance(ones, twos, 128)) < 1e-7, "cosine distance of parallel vectors = 0");
	ok(isnan(of_cosine_distance(zero, ones, 128)), "cosine distance with a zero vector is NaN");
	ok(of_l2_squared(e1, e2, 0) == 0.0f && of_dot(e1, e2, 0) == 0.0f, "empty vectors give 0");
	free(a);
	free(b);
	return unit_done();
}
