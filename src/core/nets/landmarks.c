/*
 * face_landmark_68 (docs/networks.md §6): four dense blocks of
 * four convs with additive skip connections, global average pool, fc to
 * 68 (x, y) pairs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "nets/layers.h"
#include "nets/model_file.h"
#include "nets/models.h"
#include "nets/nets.h"

#define PREFIX "lm/"
#define NBLOCK 4
#define NSPEC (2 + 3 * 3 + 3 * (NBLOCK - 1) * 4 + 2)

static const int block_in[NBLOCK] = {3, 32, 64, 128};
static const int block_out[NBLOCK] = {32, 64, 128, 256};

typedef struct sep_weights
{
	const float *dw,
			   *pw,
			   *b;
} sep_weights;

typedef struct lm_weights
{
	const float *conv0_f,		/* dense0/conv0 is a full 3x3 conv */
			   *conv0_b;
	sep_weights sep[NBLOCK][4];	/* sep[0][0] unused */
	const float *fc_w,
			   *fc_b;
} lm_weights;

static void
specs(of_mf_spec *s)
{
	of_mf_spec_set(s++, "dense0/conv0/filters", 4, 3, 3, 3, 32);
	of_mf_spec_set(s++, "dense0/conv0/bias", 1, 32, 0, 0, 0);
	for (int blk = 0; blk < NBLOCK; blk++)
		for (int j = blk == 0 ? 1 : 0; j < 4; j++)
		{
			char		name[40];
			int			ci = j == 0 ? block_in[blk] : block_out[blk],
						co = block_out[blk];

			snprintf(name, sizeof(name), "dense%d/conv%d/depthwise_filter", blk, j);
			of_mf_spec_set(s++, name, 4, 3, 3, ci, 1);
			snprintf(name, sizeof(name), "dense%d/conv%d/pointwise_filter", blk, j);
			of_mf_spec_set(s++, name, 4, 1, 1, ci, co);
			snprintf(name, sizeof(name), "dense%d/conv%d/bias", blk, j);
			of_mf_spec_set(s++, name, 1, co, 0, 0, 0);
		}
	of_mf_spec_set(s++, "fc/weights", 2, 256, 136, 0, 0);
	of_mf_spec_set(s++, "fc/bias", 1, 136, 0, 0, 0);
}

static const of_net_tensors tensors = {PREFIX, NSPEC, specs};

static of_status
bind(const of_models *m, lm_weights *w, of_error *err)
{
	const float *p[NSPEC];
	of_status	st;
	int			k = 0;

	if ((st = of_net_bind(m, &tensors, p, err)) != OF_OK)
		return st;
	w->conv0_f = p[k++];
	w->conv0_b = p[k++];
	for (int blk = 0; blk < NBLOCK; blk++)
		for (int j = blk == 0 ? 1 : 0; j < 4; j++)
		{
			w->sep[blk][j].dw = p[k++];
			w->sep[blk][j].pw = p[k++];
			w->sep[blk][j].b = p[k++];
		}
	w->fc_w = p[k++];
	w->fc_b = p[k++];
	return OF_OK;
}

of_status
of_landmarks_pack(const of_tfjs_model *src, of_mf_writer *w, of_error *err)
{
	return of_net_copy(src, &tensors, w, err);
}

of_status
of_landmarks_check(const of_models *m, of_error *err)
{
	lm_weights	w;

	return bind(m, &w, err);
}

/* depthwise 3x3 (stride s, SAME) then pointwise + bias, no activation */
static void
sep_conv(const float *in, int h, int ci, const sep_weights *sw, int stride, int co,
		 float *dwbuf, float *out)
{
	int			oh,
				pad = of_same_pad(h, 3, stride, &oh);

	of_depthwise3x3(in, h, h, ci, sw->dw, stride, pad, pad, oh, oh, dwbuf);
	of_conv2d(dwbuf, oh, oh, ci, sw->pw, 1, 1, co, 1, 0, 0, oh, oh, sw->b, OF_ACT_NONE, out, NULL);
}

of_status
of_landmarks_forward(const of_models *m, const float *input, float *out136, of_error *err)
{
	lm_weights	w;
	/* every block output is 1/2 as large as the previous: the first is the largest */
	const size_t big = (size_t) 56 * 56 * 32;
	size_t		colsz = of_conv2d_scratch(56, 56, 3, 3, 3);
	float	   *arena,
			   *x,
			   *c0,
			   *c1,
			   *c2,
			   *c3,
			   *t,
			   *dw,
			   *col;
	float		pooled[256];
	int			h = OF_LANDMARK_INPUT;
	of_status	st;

	if (!m || !input || !out136)
		return of_fail(err, OF_EINVAL, "landmarks: NULL argument");
	if ((st = bind(m, &w, err)) != OF_OK)
		return st;
	arena = malloc((7 * big + colsz) * sizeof(float));
	if (!arena)
		return of_fail(err, OF_ENOMEM, "landmarks: out of memory");
	x = arena;
	c0 = x + big;
	c1 = c0 + big;
	c2 = c1 + big;
	c3 = c2 + big;
	t = c3 + big;
	dw = t + big;
	col = dw + big;

	for (int blk = 0; blk < NBLOCK; blk++)
	{
		int			ci = block_in[blk],
					co = block_out[blk],
					oh,
					pad = of_same_pad(h, 3, 2, &oh);
		size_t		n = (size_t) oh * oh * co;

		if (of_cancelled())
		{
			free(arena);
			return of_fail(err, OF_ECANCELED, "landmarks: canceled");
		}
		if (blk == 0)
			of_conv2d(input, h, h, ci, w.conv0_f, 3, 3, co, 2, pad, pad, oh, oh,
					  w.conv0_b, OF_ACT_RELU, c0, col);
		else
		{
			sep_conv(x, h, ci, &w.sep[blk][0], 2, co, dw, c0);
			of_relu(c0, n, c0);
		}
		h = oh;
		/* the additions in face-api's order: each rounds to float32 */
		sep_conv(c0, h, co, &w.sep[blk][1], 1, co, dw, c1);
		of_add_relu(c0, c1, n, t);
		sep_conv(t, h, co, &w.sep[blk][2], 1, co, dw, c2);
		of_add(c1, c2, n, t);
		of_add_relu(c0, t, n, t);
		sep_conv(t, h, co, &w.sep[blk][3], 1, co, dw, c3);
		of_add(c2, c3, n, t);
		of_add(c1, t, n, t);
		of_add_relu(c0, t, n, x);
	}

	/* avg pool 7x7 stride 2 VALID on 7x7 = the mean of all 49 cells */
	of_avgpool(x, h, h, 256, 7, 2, 1, 1, pooled);
	of_fc(pooled, 256, w.fc_w, 136, w.fc_b, out136);
	free(arena);
	return OF_OK;
}
