/*
 * face_recognition (docs/networks.md §7): face-api's port of
 * dlib's ResNet-29 descriptor.  Each conv's per-channel affine "scale" is
 * folded into its filters and bias at conversion:
 *   (conv(x, W) + b) * s + t  ==  conv(x, W*s) + (b*s + t)
 * which differs from the reference only by float rounding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nets/layers.h"
#include "nets/model_file.h"
#include "nets/models.h"
#include "nets/nets.h"

#define PREFIX "rec/"
#define NBLOCK 13
#define NSPEC (2 + 4 * (NBLOCK + 1) + 1)

typedef struct rec_block
{
	const char *name;
	int			down;			/* residualDown (stride-2 VALID first conv) */
	int			ci,
				co;
} rec_block;

static const rec_block blocks[NBLOCK] = {
	{"conv32_1", 0, 32, 32},
	{"conv32_2", 0, 32, 32},
	{"conv32_3", 0, 32, 32},
	{"conv64_down", 1, 32, 64},
	{"conv64_1", 0, 64, 64},
	{"conv64_2", 0, 64, 64},
	{"conv64_3", 0, 64, 64},
	{"conv128_down", 1, 64, 128},
	{"conv128_1", 0, 128, 128},
	{"conv128_2", 0, 128, 128},
	{"conv256_down", 1, 128, 256},
	{"conv256_1", 0, 256, 256},
	{"conv256_2", 0, 256, 256},
};

/* the last block, conv256_down_out, is a down block too: handled with the table */
static const rec_block last_block = {"conv256_down_out", 1, 256, 256};

typedef void (*conv_fn) (const float *, int, int, int, const float *, int, int, int, int,
						 int, int, int, int, const float *, of_act, float *, float *);

typedef struct conv_w
{
	const float *f,
			   *b;
} conv_w;

typedef struct rec_weights
{
	conv_w		stem;
	conv_w		conv[NBLOCK + 1][2];
	const float *fc;
} rec_weights;

static const rec_block *
block(int i)
{
	return i < NBLOCK ? &blocks[i] : &last_block;
}

/*
 * Blocks from this one on run on maps of 8x8 pixels or fewer: their
 * filters are stored in panels for of_conv2d_panels.
 */
#define FIRST_PANEL_BLOCK 4

/*
 * The folded tensors: "<layer>/filters" (HWIO) or "<layer>/panels"
 * ([co/32][9*ci][32]), and "<layer>/bias".
 */
static void
specs(of_mf_spec *s)
{
	of_mf_spec_set(s++, "conv32_down/filters", 4, 7, 7, 3, 32);
	of_mf_spec_set(s++, "conv32_down/bias", 1, 32, 0, 0, 0);
	for (int i = 0; i <= NBLOCK; i++)
	{
		const rec_block *bk = block(i);

		for (int j = 1; j <= 2; j++)
		{
			char		name[48];
			int			ci = j == 1 ? bk->ci : bk->co;

			if (i >= FIRST_PANEL_BLOCK)
			{
				snprintf(name, sizeof(name), "%s/conv%d/panels", bk->name, j);
				of_mf_spec_set(s++, name, 3, bk->co / 32, 9 * ci, 32, 0);
			}
			else
			{
				snprintf(name, sizeof(name), "%s/conv%d/filters", bk->name, j);
				of_mf_spec_set(s++, name, 4, 3, 3, ci, bk->co);
			}
			snprintf(name, sizeof(name), "%s/conv%d/bias", bk->name, j);
			of_mf_spec_set(s++, name, 1, bk->co, 0, 0, 0);
		}
	}
	of_mf_spec_set(s++, "fc", 2, 256, 128, 0, 0);
}

static const of_net_tensors tensors = {PREFIX, NSPEC, specs};

static of_status
bind(const of_models *m, rec_weights *w, of_error *err)
{
	const float *p[NSPEC];
	of_status	st;
	int			k = 0;

	if ((st = of_net_bind(m, &tensors, p, err)) != OF_OK)
		return st;
	w->stem.f = p[k++];
	w->stem.b = p[k++];
	for (int i = 0; i <= NBLOCK; i++)
		for (int j = 0; j < 2; j++)
		{
			w->conv[i][j].f = p[k++];
			w->conv[i][j].b = p[k++];
		}
	w->fc = p[k++];
	return OF_OK;
}

static const of_tfjs_tensor *
find_shaped(const of_tfjs_model *src, const char *layer, const char *part, const of_mf_spec *spec,
			of_error *err)
{
	char		name[96];
	const of_tfjs_tensor *t;
	int			same;

	snprintf(name, sizeof(name), "%s/%s", layer, part);
	t = of_tfjs_find(src, name);
	if (!t)
	{
		of_fail(err, OF_ECORRUPT, "TF.js model lacks tensor \"%s\"", name);
		return NULL;
	}
	same = t->ndim == spec->ndim;
	for (int d = 0; same && d < t->ndim; d++)
		same = t->shape[d] == spec->shape[d];
	if (!same)
	{
		of_fail(err, OF_ECORRUPT, "TF.js tensor \"%s\" has an unexpected shape", name);
		return NULL;
	}
	return t;
}

/*
 * Fold one conv + scale pair into the tensors fspec (filters or panels)
 * and bspec; the TF.js filter is HWIO [kh][kh][ci][co].
 */
static of_status
fold_conv(const of_tfjs_model *src, const char *layer, int kh, int ci,
		  const of_mf_spec *fspec, const of_mf_spec *bspec, of_mf_writer *w, of_error *err)
{
	of_mf_spec	hwio;
	const of_tfjs_tensor *f;
	const of_tfjs_tensor *b,
			   *sw,
			   *sb;
	int			co = bspec->shape[0];
	float	   *wf,
			   *wb,
			   *packed = NULL;
	char		name[OF_MF_MAX_NAME];
	of_status	st;

	of_mf_spec_set(&hwio, "", 4, kh, kh, ci, co);
	f = find_shaped(src, layer, "conv/filters", &hwio, err);
	b = f ? find_shaped(src, layer, "conv/bias", bspec, err) : NULL;
	sw = b ? find_shaped(src, layer, "scale/weights", bspec, err) : NULL;
	sb = sw ? find_shaped(src, layer, "scale/biases", bspec, err) : NULL;
	if (!sb)
		return OF_ECORRUPT;
	wf = malloc(f->count * sizeof(float));
	wb = malloc((size_t) co * sizeof(float));
	if (fspec->ndim == 3)
		packed = malloc(f->count * sizeof(float));
	if (!wf || !wb || (fspec->ndim == 3 && !packed))
	{
		free(wf);
		free(wb);
		free(packed);
		return of_fail(err, OF_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < f->count; i++)
		wf[i] = (float) ((double) f->data[i] * sw->data[i % co]);	/* HWIO: o fastest */
	for (int o = 0; o < co; o++)
		wb[o] = (float) ((double) b->data[o] * sw->data[o] + sb->data[o]);
	if (packed)
		of_pack_panels(wf, kh * kh * ci, co, packed);
	snprintf(name, sizeof(name), PREFIX "%s", fspec->name);
	st = of_mf_add(w, name, fspec->ndim, fspec->shape, packed ? packed : wf, err);
	snprintf(name, sizeof(name), PREFIX "%s", bspec->name);
	if (st == OF_OK)
		st = of_mf_add(w, name, bspec->ndim, bspec->shape, wb, err);
	free(wf);
	free(wb);
	free(packed);
	return st;
}

of_status
of_recognizer_pack(const of_tfjs_model *src, of_mf_writer *w, of_error *err)
{
	of_mf_spec s[NSPEC];
	of_status	st;
	const of_tfjs_tensor *fc;
	int			k = 0;

	specs(s);
	if ((st = fold_conv(src, "conv32_down", 7, 3, &s[0], &s[1], w, err)) != OF_OK)
		return st;
	k = 2;
	for (int i = 0; i <= NBLOCK; i++)
		for (int j = 1; j <= 2; j++, k += 2)
		{
			char		layer[48];

			snprintf(layer, sizeof(layer), "%s/conv%d", block(i)->name, j);
			if ((st = fold_conv(src, layer, 3, j == 1 ? block(i)->ci : block(i)->co,
								&s[k], &s[k + 1], w, err)) != OF_OK)
				return st;
		}
	fc = of_tfjs_find(src, "fc");
	if (!fc || fc->ndim != 2 || fc->shape[0] != 256 || fc->shape[1] != 128)
		return of_fail(err, OF_ECORRUPT, "TF.js model lacks tensor \"fc\" [256, 128]");
	return of_mf_add(w, PREFIX "fc", 2, s[k].shape, fc->data, err);
}

of_status
of_recognizer_check(const of_models *m, of_error *err)
{
	rec_weights w;

	return bind(m, &w, err);
}

/*
 * residualDown's sum: out[ph][ph][co] = relu(pooled | zero channels
 * + main zero-padded at the bottom/right to ph x ph).
 */
static void
down_merge(const float *pooled, int ph, int ci, const float *main, int mh, int co, float *out)
{
	for (int y = 0; y < ph; y++)
		for (int x = 0; x < ph; x++)
		{
			const float *p = pooled + ((size_t) y * ph + x) * ci;
			const float *q = main + ((size_t) y * mh + x) * co;
			float	   *o = out + ((size_t) y * ph + x) * co;
			int			inside = y < mh && x < mh;

			for (int c = 0; c < co; c++)
			{
				float		v = (c < ci ? p[c] : 0.0f) + (inside ? q[c] : 0.0f);

				o[c] = v > 0.0f ? v : 0.0f;
			}
		}
}

/* Largest im2col scratch over all convs of the net. */
static size_t
col_floats(void)
{
	size_t		need = of_conv2d_scratch(72, 72, 7, 7, 3);
	int			h = 35;

	for (int i = 0; i <= NBLOCK; i++)
	{
		const rec_block *bk = block(i);
		int			oh = bk->down ? of_valid_out(h, 3, 2) : h;
		size_t		a = of_conv2d_scratch(oh, oh, 3, 3, bk->ci),
					b = of_conv2d_scratch(oh, oh, 3, 3, bk->co);

		need = a > need ? a : need;
		need = b > need ? b : need;
		h = bk->down ? of_valid_out(h, 2, 2) : h;
	}
	return need;
}

of_status
of_recognizer_forward(const of_models *m, const float *input, float *out128, of_error *err)
{
	rec_weights w;
	const size_t stem = (size_t) 72 * 72 * 32,
				big = (size_t) 35 * 35 * 32;	/* largest activation after the stem */
	size_t		colsz = col_floats();
	float	   *arena,
			   *x,
			   *t1,
			   *t2,
			   *pool,
			   *col;
	float		mean[256];
	int			h = 35;
	of_status	st;

	if (!m || !input || !out128)
		return of_fail(err, OF_EINVAL, "recognizer: NULL argument");
	if ((st = bind(m, &w, err)) != OF_OK)
		return st;
	arena = malloc((stem + 4 * big + colsz) * sizeof(float));
	if (!arena)
		return of_fail(err, OF_ENOMEM, "recognizer: out of memory");
	t1 = arena;					/* the stem output lives here first */
	x = t1 + stem;
	t2 = x + big;
	pool = t2 + big;
	col = pool + big;

	of_conv2d(input, 150, 150, 3, w.stem.f, 7, 7, 32, 2, 0, 0, 72, 72, w.stem.b,
			  OF_ACT_RELU, t1, col);
	of_maxpool(t1, 72, 72, 32, 3, 2, 0, 0, 35, 35, x);

	for (int i = 0; i <= NBLOCK; i++)
	{
		const rec_block *bk = block(i);
		const conv_w *c1 = &w.conv[i][0],
				   *c2 = &w.conv[i][1];
		conv_fn		conv = i >= FIRST_PANEL_BLOCK ? of_conv2d_panels : of_conv2d;

		if (of_cancelled())
		{
			free(arena);
			return of_fail(err, OF_ECANCELED, "recognizer: canceled");
		}
		if (!bk->down)
		{
			size_t		n = (size_t) h * h * bk->co;

			conv(x, h, h, bk->ci, c1->f, 3, 3, bk->co, 1, 1, 1, h, h, c1->b,
				 OF_ACT_RELU, t1, col);
			conv(t1, h, h, bk->co, c2->f, 3, 3, bk->co, 1, 1, 1, h, h, c2->b,
				 OF_ACT_NONE, t2, col);
			of_add_relu(t2, x, n, x);
		}
		else
		{
			int			mh = of_valid_out(h, 3, 2),
						ph = of_valid_out(h, 2, 2);

			conv(x, h, h, bk->ci, c1->f, 3, 3, bk->co, 2, 0, 0, mh, mh, c1->b,
				 OF_ACT_RELU, t1, col);
			conv(t1, mh, mh, bk->co, c2->f, 3, 3, bk->co, 1, 1, 1, mh, mh, c2->b,
				 OF_ACT_NONE, t2, col);
			of_avgpool(x, h, h, bk->ci, 2, 2, ph, ph, pool);
			down_merge(pool, ph, bk->ci, t2, mh, bk->co, x);
			h = ph;
		}
	}

	/* tf.mean over H and W */
	memset(mean, 0, sizeof(mean));
	for (int p = 0; p < h * h; p++)
		for (int c = 0; c < 256; c++)
			mean[c] += x[(size_t) p * 256 + c];
	for (int c = 0; c < 256; c++)
		mean[c] /= (float) (h * h);
	of_fc(mean, 256, w.fc, 128, NULL, out128);
	free(arena);
	return OF_OK;
}
