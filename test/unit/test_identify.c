/*
 * The open-set rule (identify.c) on hand-placed 2-d points, where the label
 * means, d1, d2 and the score can be worked out on paper.  Faces are placed
 * on directions with easy sines and cosines (0.8/0.6, 0.96/0.28) at
 * different lengths: only their directions, scaled to L =
 * OF_IDENTIFY_LENGTH, count.
 */
#include <math.h>

#include "identify.h"
#include "unit.h"

#define L ((float) OF_IDENTIFY_LENGTH)

static int
near(float a, float b)
{
	return fabsf(a - b) < 1e-5f;
}

int
main(void)
{
	const float q[2] = {3, 0};
	/* Label 7 along (0.8, +-0.6) at lengths 2 and 5, label 3 along (0, 1). */
	const float x[] = {1.6f, 1.2f, 4.0f, -3.0f, 0, 7.0f};
	const int	l[] = {7, 7, 3};
	of_identity id;
	of_error	err;

	{
		ok(of_identify(q, x, l, 3, 2, 0.40, &id, &err) == OF_OK, "runs");
		/*
		 * q at (L, 0); label 7's mean (0.8L, 0), d1 = 0.2L; label 3 at (0, L),
		 * d2 = sqrt(2) L; score = 0.2L - 0.5 (sqrt(2) - 0.2) L = -0.40711 L.
		 */
		ok(id.label == 7 && near(id.distance, 0.2f * L) && near(id.runner_up, sqrtf(2) * L) &&
		   near(id.score, -0.40711f * L) && id.named && near(id.confidence, 1.0f),
		   "named by its label's mean, well ahead of the next (score %.3f)", id.score);
	}
	{
		/* The query's length does not count: 1/100 and 100 times as long. */
		const float qs[2] = {0.03f, 0},
					ql[2] = {300, 0};
		of_identity s,
					g;

		of_identify(qs, x, l, 3, 2, 0.40, &s, &err);
		of_identify(ql, x, l, 3, 2, 0.40, &g, &err);
		ok(s.label == 7 && g.label == 7 && near(s.distance, 0.2f * L) && near(g.distance, 0.2f * L) &&
		   near(s.score, id.score) && near(g.score, id.score) && s.named && g.named,
		   "a short or a long query gets the same answer (d1 %.3f and %.3f)", s.distance, g.distance);
	}
	{
		/*
		 * Label 1 along (0.96, 0.28) at length 25, label 2 along (0.96, -0.28)
		 * at 50: twice as far raw, but as near in direction, L sqrt(0.08) =
		 * 0.403.  No margin, and 0.403 is not below 0.40: a stranger.
		 */
		const float q1[2] = {1, 0},
					x2[] = {24.0f, 7.0f, 48.0f, -14.0f};
		const int	l2[] = {1, 2};

		of_identify(q1, x2, l2, 2, 2, 0.40, &id, &err);
		ok(near(id.distance, L * sqrtf(0.08f)) && near(id.runner_up, id.distance) &&
		   near(id.score, id.distance) && !id.named && id.confidence == 0,
		   "a face among look-alikes of another label is not named (score %.3f)", id.score);
	}
	{
		/* One label only (its mean 0.2L away): no margin, the threshold on d1 alone. */
		const float q2[2] = {2, 0},
					x4[] = {2.4f, 1.8f, 0.8f, -0.6f};
		const int	l4[] = {4, 4};

		of_identify(q2, x4, l4, 2, 2, 0.40, &id, &err);
		ok(id.label == 4 && near(id.distance, 0.2f * L) && near(id.score, 0.2f * L) && id.named &&
		   near(id.confidence, 1.0f - 0.2f * L / 0.40f),
		   "a single label: score = d1 = %.3f, named below 0.40 with confidence %.4f", id.score,
		   id.confidence);
		of_identify(q2, x4, l4, 2, 2, 0.25, &id, &err);
		ok(!id.named && id.confidence == 0, "not named below a stricter 0.25");
	}
	{
		/*
		 * The first case in a gallery with a face at (50, 50), which k = 3
		 * leaves out: nearest by raw distance, it is the farthest.  Its
		 * direction, 0.765 L away, would have been the runner-up.
		 */
		const float g[] = {50.0f, 50.0f, 0, 7.0f, 4.0f, -3.0f, 1.6f, 1.2f};
		const int	lg[] = {9, 3, 7, 7};

		of_status	st = of_identify_gallery(q, g, lg, 4, 3, 2, 0.40, &id, &err);

		ok(st == OF_OK && id.label == 7 && near(id.distance, 0.2f * L) &&
		   near(id.runner_up, sqrtf(2) * L) && id.named,
		   "of_identify_gallery takes the k nearest of the gallery (d1 %.3f, d2 %.3f)",
		   id.distance, id.runner_up);
	}
	{
		/*
		 * A zero query has no direction and stays at the origin: label 7's
		 * mean 0.8L away, label 3's face L; score 0.8L - 0.5 * 0.2L = 0.7L.
		 */
		const float qz[2] = {0, 0};

		of_identify(qz, x, l, 3, 2, 0.40, &id, &err);
		ok(id.label == 7 && near(id.distance, 0.8f * L) && near(id.score, 0.7f * L) && !id.named,
		   "a zero query is nobody (score %.3f)", id.score);
	}
	of_identify(q, NULL, NULL, 0, 2, 0.40, &id, &err);
	ok(id.label == -1 && !id.named, "no neighbours: nobody");
	return unit_done();
}
