/*
 * Bit-exact port of face-api's padToSquare + tf.image.resizeBilinear (TF1
 * legacy sampling) + normalize.  The interpolation runs in double with one
 * rounding to float32 at the end, then the float32 subtract and divide, all
 * in the reference's order.  A fused multiply-add would change results, so
 * contraction is switched off here whatever the build flags (gcc contracts
 * under -std=gnu* when the target has FMA).
 */
#include "nets/preprocess.h"

#include <math.h>
#include <stdlib.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* Generous bound on the network side; keeps n*n*3 far from overflow. */
#define OF_PREPROCESS_MAX_N 16384

const float of_detector_mean[3] = {117.001f, 114.697f, 97.404f};
const float of_face_mean[3] = {122.782f, 117.001f, 104.298f};

/*
 * Sampling table for one axis: the padded square has S cells, the
 * rectangle covers cells [before, before+len) starting at image index org.
 * Image indices of the two taps per output cell (-1 = padding) and the
 * fraction between them.
 */
static void
axis_table(int n, int S, int before, int len, int org, int *i0, int *i1, double *frac)
{
	double		ratio = (double) S / (double) n;

	for (int k = 0; k < n; k++)
	{
		double		f = ratio * k;
		double		lo = floor(f);
		int			p0 = (int) lo;
		int			p1 = (int) ceil(f);

		if (p1 > S - 1)
			p1 = S - 1;
		frac[k] = f - lo;
		p0 -= before;
		p1 -= before;
		i0[k] = p0 >= 0 && p0 < len ? org + p0 : -1;
		i1[k] = p1 >= 0 && p1 < len ? org + p1 : -1;
	}
}

static inline double
tap(const unsigned char *row, int x, int ch)
{
	return row != NULL && x >= 0 ? (double) row[(size_t) x * 3 + ch] : 0.0;
}

of_status
of_preprocess(const of_image *img, of_rect r, int n, int center, const float mean[3], float *out,
			  of_error *err)
{
	int			S,
				diff,
				after,
				before;
	int		   *xi,
			   *yi;
	double	   *xf,
			   *yf;
	size_t		stride;

	if (img == NULL || img->rgb == NULL || img->width <= 0 || img->height <= 0 ||
		mean == NULL || out == NULL)
		return of_fail(err, OF_EINVAL, "of_preprocess: missing image or buffer");
	if (r.w <= 0 || r.h <= 0 || r.x < 0 || r.y < 0 ||
		r.x > img->width - r.w || r.y > img->height - r.h)
		return of_fail(err, OF_EINVAL, "of_preprocess: rectangle %d,%d %dx%d outside the %dx%d image",
					   r.x, r.y, r.w, r.h, img->width, img->height);
	if (n <= 0 || n > OF_PREPROCESS_MAX_N)
		return of_fail(err, OF_EINVAL, "of_preprocess: bad network input size %d", n);

	S = r.w > r.h ? r.w : r.h;
	diff = S - (r.w < r.h ? r.w : r.h);
	/* JS Math.round(diff / 2): the odd pixel goes after */
	after = center ? (diff + 1) / 2 : diff;
	before = diff - after;

	xi = malloc(sizeof(int) * 4 * (size_t) n);
	xf = malloc(sizeof(double) * 2 * (size_t) n);
	if (xi == NULL || xf == NULL)
	{
		free(xi);
		free(xf);
		return of_fail(err, OF_ENOMEM, "of_preprocess: out of memory");
	}
	yi = xi + 2 * (size_t) n;
	yf = xf + n;
	axis_table(n, S, r.w < r.h ? before : 0, r.w, r.x, xi, xi + n, xf);
	axis_table(n, S, r.h < r.w ? before : 0, r.h, r.y, yi, yi + n, yf);

	stride = (size_t) img->width * 3;
	for (int oy = 0; oy < n; oy++)
	{
		const unsigned char *row0 = yi[oy] >= 0 ? img->rgb + (size_t) yi[oy] * stride : NULL;
		const unsigned char *row1 = yi[n + oy] >= 0 ? img->rgb + (size_t) yi[n + oy] * stride : NULL;
		double		dy = yf[oy];
		float	   *o = out + (size_t) oy * n * 3;

		if ((oy & 15) == 0 && of_cancelled())
		{
			free(xi);
			free(xf);
			return of_fail(err, OF_ECANCELED, "preprocessing canceled");
		}
		for (int ox = 0; ox < n; ox++)
		{
			int			x0 = xi[ox],
						x1 = xi[n + ox];
			double		dx = xf[ox];

			for (int ch = 0; ch < 3; ch++)
			{
				double		tl = tap(row0, x0, ch),
							tr = tap(row0, x1, ch),
							bl = tap(row1, x0, ch),
							br = tap(row1, x1, ch);
				double		top = tl + (tr - tl) * dx;
				double		bot = bl + (br - bl) * dx;
				float		v = (float) (top + (bot - top) * dy);
				float		centered = v - mean[ch];

				*o++ = centered / 255.0f;
			}
		}
	}
	free(xi);
	free(xf);
	return OF_OK;
}
