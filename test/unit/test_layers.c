/*
 * The network layers of src/core/nets/layers.c against direct double
 * sums, on shapes that reach every path of their kernels on this CPU:
 * products with m = 1..13 rows (tiles of 6 and 8 rows with every
 * remainder), n = 16, 32, 48, 64 (the small kernels) and 25 (cblas_sgemm),
 * 3x3 convolutions with stride and padding (im2col), filters in panels,
 * channel counts that are and are not multiples of the vector width, and
 * the activations and pooling.  The networks' own tests (test_nets) only
 * reach the shapes those networks use.
 */
#include <math.h>
#include <stdlib.h>

#include "nets/layers.h"
#include "unit.h"

/* float accumulation over at most 9 * 64 terms of size ~1: well within this */
#define TOL 1e-4

static void
fill(float *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
	{
		seed = seed * 1103515245u + 12345u;
		p[i] = (float) ((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
	}
}

static double
act_ref(double x, of_act act)
{
	if (act == OF_ACT_RELU)
		return x > 0 ? x : 0;
	if (act == OF_ACT_LEAKY)
		return x > 0 ? x : 0.1 * x;
	return x;
}

/* Direct convolution, HWIO filter, zero padding; max |out - ref|. */
static double
conv_err(const float *in, int h, int w, int ci, const float *filt, int kh, int kw, int co,
		 int stride, int pt, int pl, int oh, int ow, const float *bias, of_act act,
		 const float *out)
{
	double		worst = 0;

	for (int oy = 0; oy < oh; oy++)
		for (int ox = 0; ox < ow; ox++)
			for (int o = 0; o < co; o++)
			{
				double		s = bias ? bias[o] : 0;

				for (int ky = 0; ky < kh; ky++)
					for (int kx = 0; kx < kw; kx++)
					{
						int			iy = oy * stride - pt + ky,
									ix = ox * stride - pl + kx;

						if (iy < 0 || iy >= h || ix < 0 || ix >= w)
							continue;
						for (int c = 0; c < ci; c++)
							s += (double) in[((size_t) iy * w + ix) * ci + c] *
								filt[(((size_t) ky * kw + kx) * ci + c) * co + o];
					}
				s = fabs(act_ref(s, act) - out[((size_t) oy * ow + ox) * co + o]);
				if (!(s <= worst))
					worst = s;
			}
	return worst;
}

/* One convolution through of_conv2d (and of_conv2d_panels when co allows). */
static void
check_conv(int h, int w, int ci, int k, int co, int stride, int pad, of_act act)
{
	int			oh = pad ? (h + stride - 1) / stride : of_valid_out(h, k, stride),
				ow = pad ? (w + stride - 1) / stride : of_valid_out(w, k, stride);
	size_t		nf = (size_t) k * k * ci * co;
	float	   *in = malloc(sizeof(float) * (size_t) h * w * ci),
			   *filt = malloc(sizeof(float) * nf),
			   *panels = malloc(sizeof(float) * nf),
			   *bias = malloc(sizeof(float) * co),
			   *out = malloc(sizeof(float) * (size_t) oh * ow * co),
			   *scratch = malloc(sizeof(float) * of_conv2d_scratch(oh, ow, k, k, ci));
	double		err;

	fill(in, (size_t) h * w * ci, 1);
	fill(filt, nf, 2);
	fill(bias, co, 3);
	of_conv2d(in, h, w, ci, filt, k, k, co, stride, pad, pad, oh, ow, bias, act, out, scratch);
	err = conv_err(in, h, w, ci, filt, k, k, co, stride, pad, pad, oh, ow, bias, act, out);
	unit_ok(err < TOL, "conv %dx%dx%d k%d -> %d stride %d pad %d act %d: max diff %.2g",
			h, w, ci, k, co, stride, pad, (int) act, err);
	if (co % 32 == 0)
	{
		of_pack_panels(filt, k * k * ci, co, panels);
		of_conv2d_panels(in, h, w, ci, panels, k, k, co, stride, pad, pad, oh, ow, bias, act,
						 out, scratch);
		err = conv_err(in, h, w, ci, filt, k, k, co, stride, pad, pad, oh, ow, bias, act, out);
		unit_ok(err < TOL, "panels %dx%dx%d k%d -> %d stride %d pad %d: max diff %.2g",
				h, w, ci, k, co, stride, pad, err);
	}
	free(in);
	free(filt);
	free(panels);
	free(bias);
	free(out);
	free(scratch);
}

static void
check_products(void)
{
	static const int ns[] = {16, 32, 48, 64, 25};
	int			worst_m = 0,
				worst_n = 0;
	double		worst = 0;

	/* a 1x1 conv over m pixels is the product of an m x ci and a ci x n matrix */
	for (int m = 1; m <= 13; m++)
		for (size_t j = 0; j < sizeof(ns) / sizeof(ns[0]); j++)
		{
			int			n = ns[j],
						ci = 24;
			float	   *in = malloc(sizeof(float) * m * ci),
					   *filt = malloc(sizeof(float) * ci * n),
					   *out = malloc(sizeof(float) * m * n);
			double		err;

			fill(in, (size_t) m * ci, 4 + m);
			fill(filt, (size_t) ci * n, 5 + n);
			of_conv2d(in, m, 1, ci, filt, 1, 1, n, 1, 0, 0, m, 1, NULL, OF_ACT_NONE, out, NULL);
			err = conv_err(in, m, 1, ci, filt, 1, 1, n, 1, 0, 0, m, 1, NULL, OF_ACT_NONE, out);
			if (!(err <= worst))
			{
				worst = err;
				worst_m = m;
				worst_n = n;
			}
			free(in);
			free(filt);
			free(out);
		}
	unit_ok(worst < TOL, "products of m = 1..13 rows, n = 16/32/48/64/25: max diff %.2g (m %d, n %d)",
			worst, worst_m, worst_n);
}

static void
check_bias_act(int p, int c)
{
	float	   *y = malloc(sizeof(float) * p * c),
			   *x = malloc(sizeof(float) * p * c),
			   *bias = malloc(sizeof(float) * c);

	fill(x, (size_t) p * c, 6);
	fill(bias, c, 7);
	for (int a = OF_ACT_NONE; a <= OF_ACT_LEAKY; a++)
		for (int with_bias = 0; with_bias <= 1; with_bias++)
		{
			double		worst = 0;

			for (int i = 0; i < p * c; i++)
				y[i] = x[i];
			of_bias_act(y, p, c, with_bias ? bias : NULL, (of_act) a);
			for (int i = 0; i < p * c; i++)
			{
				double		d = fabs(act_ref((double) x[i] + (with_bias ? bias[i % c] : 0),
											 (of_act) a) - y[i]);

				if (!(d <= worst))
					worst = d;
			}
			unit_ok(worst < 1e-6, "bias_act %d x %d act %d bias %d: max diff %.2g",
					p, c, a, with_bias, worst);
		}
	free(y);
	free(x);
	free(bias);
}

/* SAME max pooling: exact, so compared for equality. */
static void
check_maxpool(int h, int c, int k, int stride)
{
	int			oh,
				pad = of_same_pad(h, k, stride, &oh);
	float	   *in = malloc(sizeof(float) * h * h * c),
			   *out = malloc(sizeof(float) * oh * oh * c);
	int			bad = 0;

	fill(in, (size_t) h * h * c, 8);
	of_maxpool(in, h, h, c, k, stride, pad, pad, oh, oh, out);
	for (int oy = 0; oy < oh; oy++)
		for (int ox = 0; ox < oh; ox++)
			for (int ch = 0; ch < c; ch++)
			{
				float		m = -INFINITY;

				for (int ky = 0; ky < k; ky++)
					for (int kx = 0; kx < k; kx++)
					{
						int			iy = oy * stride - pad + ky,
									ix = ox * stride - pad + kx;

						if (iy >= 0 && iy < h && ix >= 0 && ix < h &&
							in[((size_t) iy * h + ix) * c + ch] > m)
							m = in[((size_t) iy * h + ix) * c + ch];
					}
				bad += out[((size_t) oy * oh + ox) * c + ch] != m;
			}
	unit_ok(bad == 0, "maxpool %dx%dx%d k%d stride %d: %d cells differ", h, h, c, k, stride, bad);
	free(in);
	free(out);
}

static void
check_add_relu(size_t n)
{
	float	   *a = malloc(sizeof(float) * n),
			   *b = malloc(sizeof(float) * n),
			   *o = malloc(sizeof(float) * n),
			   *r = malloc(sizeof(float) * n);
	int			bad = 0;

	fill(a, n, 9);
	fill(b, n, 10);
	of_add_relu(a, b, n, o);
	of_relu(a, n, r);
	for (size_t i = 0; i < n; i++)
	{
		float		s = a[i] + b[i];

		bad += o[i] != (s > 0 ? s : 0.0f);
		bad += r[i] != (a[i] > 0 ? a[i] : 0.0f);
	}
	unit_ok(bad == 0, "add_relu and relu over %zu floats: %d differ", n, bad);
	free(a);
	free(b);
	free(o);
	free(r);
}

int
main(void)
{
	check_products();
	/* the recognizer's and landmarks' shapes, small: im2col, stride, padding */
	check_conv(9, 7, 16, 3, 32, 1, 1, OF_ACT_RELU);
	check_conv(9, 9, 16, 3, 64, 2, 0, OF_ACT_NONE);
	check_conv(5, 5, 32, 3, 32, 1, 1, OF_ACT_LEAKY);
	check_conv(3, 3, 8, 3, 48, 1, 1, OF_ACT_RELU);
	check_conv(11, 11, 3, 7, 32, 2, 0, OF_ACT_RELU);
	check_conv(6, 6, 12, 1, 25, 1, 0, OF_ACT_NONE);
	check_bias_act(7, 32);
	check_bias_act(5, 13);
	check_maxpool(9, 32, 2, 2);
	check_maxpool(8, 16, 2, 1);
	check_maxpool(11, 24, 3, 2);
	check_maxpool(7, 5, 3, 2);
	check_add_relu(1000);
	check_add_relu(13);
	return unit_done();
}
