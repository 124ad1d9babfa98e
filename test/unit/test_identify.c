/*
 * The open-set rule (identify.c) on hand-placed 2-d points, where the label
 * means, d1, d2 and the score can be worked out on paper.
 */
#include <math.h>

#include "identify.h"
#include "unit.h"

static int
near(float a, float b)
{
	return fabsf(a - b) < 1e-5f;
}

int
main(void)
{
	const float q[2] = {0, 0};
	of_identity id;
	of_error	err;

	{
		/* Label 7 at (0.2, 0) and (0.4, 0): mean 0.3 away; label 3 at 1.0. */
		const float x[] = {0.2f, 0, 0.4f, 0, 1.0f, 0};
		const int	l[] = {7, 7, 3};

		ok(of_identify(q, x, l, 3, 2, 0.40, &id, &err) == OF_OK, "runs");
		/* score = 0.3 - 0.5 * (1.0 - 0.3) = -0.05 */
		ok(id.label == 7 && near(id.distance, 0.3f) && near(id.runner_up, 1.0f) &&
		   near(id.score, -0.05f) && id.named && near(id.confidence, 1.0f),
		   "named by its label's mean, well ahead of the next (score %.3f)", id.score);
	}
	{
		/* A face at 0.45 with a look-alike of another label at 0.5. */
		const float x[] = {0.45f, 0, 0, 0.5f};
		const int	l[] = {1, 2};

		of_identify(q, x, l, 2, 2, 0.40, &id, &err);
		/* score = 0.45 - 0.5 * 0.05 = 0.425: a stranger */
		ok(id.label == 1 && near(id.score, 0.425f) && !id.named && id.confidence == 0,
		   "a lone face among look-alikes is not named (score %.3f)", id.score);
	}
	{
		/* One label only: no margin, the threshold on d1 alone. */
		const float x[] = {0.3f, 0, 0.5f, 0};
		const int	l[] = {4, 4};

		of_identify(q, x, l, 2, 2, 0.40, &id, &err);
		ok(id.label == 4 && near(id.distance, 0.4f) && near(id.score, 0.4f) && !id.named,
		   "a single label: score = d1 = %.3f, not below 0.40", id.score);
		of_identify(q, x, l, 2, 2, 0.50, &id, &err);
		ok(id.named && near(id.confidence, 0.2f), "named below a looser threshold, confidence %.2f",
		   id.confidence);
	}
	{
		/* The first case again, in a gallery with a far face k = 3 leaves out. */
		const float g[] = {5.0f, 5.0f, 1.0f, 0, 0.4f, 0, 0.2f, 0};
		const int	l[] = {9, 3, 7, 7};

		of_status	st = of_identify_gallery(q, g, l, 4, 3, 2, 0.40, &id, &err);

		ok(st == OF_OK && id.label == 7 && near(id.distance, 0.3f) && near(id.runner_up, 1.0f) && id.named,
		   "of_identify_gallery takes the k nearest of the gallery (d1 %.2f, d2 %.2f)",
		   id.distance, id.runner_up);
	}
	of_identify(q, NULL, NULL, 0, 2, 0.40, &id, &err);
	ok(id.label == -1 && !id.named, "no neighbours: nobody");
	return unit_done();
}
