#include "jitter.h"

#include <math.h>

#include "common.h"

/* dlib's jitter ranges (facts from its jitter_image) */
#define JITTER_BORDER 3			/* the face box lies this many pixels inside the chip */
#define JITTER_MAX_DEGREES 3.0
#define JITTER_RADIANS_PER_DEGREE 0.017453292519943295
#define JITTER_MIN_FILL 0.97
#define JITTER_MAX_FILL 0.99999
#define JITTER_SHIFT 0.02

/* any fixed value: the views are part of the descriptor's definition */
#define JITTER_SEED 0x6f70656e66616365ull

static double
uniform(uint64_t *state, double lo, double hi)
{
	return lo + (hi - lo) * ((of_rng_next(state) >> 11) * 0x1.0p-53);
}

void
of_jitter_view_get(int k, int size, of_jitter_view *v)
{
	double		mid = (size - 1) / 2.0;
	double		box = size - 1 - 2 * JITTER_BORDER;
	double		dx = 0,
				dy = 0,
				scale = 1,
				angle = 0,
				c,
				s;

	v->mirror = k % 2 == 1;
	if (k >= 2)
	{
		uint64_t	state = of_splitmix64(JITTER_SEED + (uint64_t) k);

		dx = uniform(&state, -JITTER_SHIFT, JITTER_SHIFT) * box;
		dy = uniform(&state, -JITTER_SHIFT, JITTER_SHIFT) * box;
		scale = box / uniform(&state, JITTER_MIN_FILL, JITTER_MAX_FILL) / (size - 1);
		angle = uniform(&state, -JITTER_MAX_DEGREES, JITTER_MAX_DEGREES) * JITTER_RADIANS_PER_DEGREE;
	}
	c = cos(angle);
	s = sin(angle);

	/* pixel mid of the view lands on the (shifted) chip centre */
	v->map.a = scale * c;
	v->map.b = scale * s;
	v->map.tx = mid + dx - (v->map.a * mid - v->map.b * mid);
	v->map.ty = mid + dy - (v->map.b * mid + v->map.a * mid);
}
