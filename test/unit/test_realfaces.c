/*
 * Unit tests of gen/realfaces.h, the benchmark data shaped like real face
 * descriptors: deterministic per seed, unit photos, 1 + Poisson(2) photos per
 * identity, and photos of one identity nearer each other than photos of two.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "realfaces.h"
#include "unit.h"

#define D REALFACES_DIM
#define NID 200

static double
dist(const float *a, const float *b)
{
	double		s = 0;

	for (int j = 0; j < D; j++)
		s += (double) (a[j] - b[j]) * (a[j] - b[j]);
	return sqrt(s);
}

int
main(void)
{
	uint64_t	s1 = 42,
				s2 = 42,
				s3 = 43;
	float		c1[D],
				c2[D],
				c3[D],
				p1[D],
				p2[D],
				photos[NID][2][D];
	static const float zero[D];
	double		same = 0,
				other = 0,
				mean_count = 0;
	int			bad_norm = 0,
				min_count = 1 << 30;

	realfaces_identity(&s1, c1);
	realfaces_identity(&s2, c2);
	realfaces_identity(&s3, c3);
	realfaces_photo(&s1, c1, p1);
	realfaces_photo(&s2, c2, p2);
	ok(memcmp(c1, c2, sizeof(c1)) == 0 && memcmp(p1, p2, sizeof(p1)) == 0,
	   "the same seed gives the same identity and photo");
	ok(memcmp(c1, c3, sizeof(c1)) != 0, "another seed gives another identity");

	for (int i = 0; i < NID; i++)
	{
		float		c[D];

		realfaces_identity(&s1, c);
		for (int k = 0; k < 2; k++)
		{
			realfaces_photo(&s1, c, photos[i][k]);
			bad_norm += fabs(dist(photos[i][k], zero) - 1) > 1e-5;
		}
	}
	ok(bad_norm == 0, "photos are unit vectors (%d are not)", bad_norm);
	for (int i = 0; i < NID; i++)
	{
		same += dist(photos[i][0], photos[i][1]) / NID;
		other += dist(photos[i][0], photos[(i + 1) % NID][1]) / NID;
	}
	unit_diag("mean distance: same identity %.3f, different %.3f", same, other);
	/* the fitted model: same person ~0.3, random pairs ~0.57 */
	ok(same > 0.2 && same < 0.4 && other > 0.5 && other < 0.65 && same < 0.7 * other,
	   "photos of one identity are nearer than photos of two");

	for (int i = 0; i < 10000; i++)
	{
		int			n = realfaces_photo_count(&s1);

		mean_count += n / 10000.0;
		if (n < min_count)
			min_count = n;
	}
	ok(min_count == 1 && fabs(mean_count - (1 + REALFACES_EXTRA_PHOTOS)) < 0.1,
	   "photos per identity: at least 1, mean %.2f", mean_count);
	return unit_done();
}
