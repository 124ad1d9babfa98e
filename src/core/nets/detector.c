/*
 * tiny_face_detector (docs/networks.md §5): conv0, five
 * separable convs with leaky ReLU and 2x2 max pools, then a 1x1 conv to
 * 5 anchors x (tx, ty, tw, th, score) per grid cell.
 */
#include <stdio.h>
#include <stdlib.h>

#include "nets/layers.h"
#include "nets/model_file.h"
#include "nets/models.h"
#include "nets/nets.h"

#define PREFIX "det/"
#define NSEP 5
#define NSPEC (2 + 3 * NSEP + 2)

static const int sep_in[NSEP] = {16, 32, 64, 128, 256};

typedef struct det_weights
{
	const float *conv0_f,
			   *conv0_b;
	struct
	{
		const float *dw,
				   *pw,
				   *b;
	}			sep[NSEP];
	const float *conv8_f,
			   *conv8_b;
} det_weights;

/* The tensors, in the order of the pointers of det_weights. */
static void
specs(of_mf_spec *s)
{
	of_mf_spec_set(s++, "conv0/filters", 4, 3, 3, 3, 16);
	of_mf_spec_set(s++, "conv0/bias", 1, 16, 0, 0, 0);
	for (int i = 0; i < NSEP; i++)
	{
		char		name[40];
		int			ci = sep_in[i],
					co = 2 * ci;

		snprintf(name, sizeof(name), "conv%d/depthwise_filter", i + 1);
		of_mf_spec_set(s++, name, 4, 3, 3, ci, 1);
		snprintf(name, sizeof(name), "conv%d/pointwise_filter", i + 1);
		of_mf_spec_set(s++, name, 4, 1, 1, ci, co);
		snprintf(name, sizeof(name), "conv%d/bias", i + 1);
		of_mf_spec_set(s++, name, 1, co, 0, 0, 0);
	}
	of_mf_spec_set(s++, "conv8/filters", 4, 1, 1, 512, 25);
	of_mf_spec_set(s++, "conv8/bias", 1, 25, 0, 0, 0);
}

static const of_net_tensors tensors = {PREFIX, NSPEC, specs};

static of_status
bind(const of_models *m, det_weights *w, of_error *err)
{
	const float *p[NSPEC];
	of_status	st;
	int			k = 0;

	if ((st = of_net_bind(m, &tensors, p, err)) != OF_OK)
		return st;
	w->conv0_f = p[k++];
	w->conv0_b = p[k++];
	for (int i = 0; i < NSEP; i++)
	{
		w->sep[i].dw = p[k++];
		w->sep[i].pw = p[k++];
		w->sep[i].b = p[k++];
	}
	w->conv8_f = p[k++];
	w->conv8_b = p[k++];
	return OF_OK;
}

of_status
of_detector_pack(const of_tfjs_model *src, of_mf_writer *w, of_error *err)
{
	return of_net_copy(src, &tensors, w, err);
}

of_status
of_detector_check(const of_models *m, of_error *err)
{
	det_weights w;

	return bind(m, &w, err);
}

of_status
of_detector_forward(const of_models *m, const float *input, int size, float *out,
					of_error *err)
{
	det_weights w;
	size_t		act;
	float	   *arena,
			   *a,
			   *b,
			   *d;
	int			h,
				c = 16,
				pad;
	of_status	st;

	if (!m || !input || !out)
		return of_fail(err, OF_EINVAL, "detector: NULL argument");
	if (size < 32 || size > OF_DETECTOR_MAX_INPUT || size % 32 != 0)
		return of_fail(err, OF_EINVAL, "detector input size %d is not a multiple of 32 in [32, %d]",
					   size, OF_DETECTOR_MAX_INPUT);
	if ((st = bind(m, &w, err)) != OF_OK)
		return st;

	/*
	 * conv0 + pool run fused, so the largest map is conv1's output:
	 * 32 channels at ceil((size-2)/2)^2.  The depthwise output has half as
	 * many channels.
	 */
	h = (size - 1) / 2;
	act = (size_t) h * h * 32;
	arena = malloc((2 * act + act / 2) * sizeof(float));
	if (!arena)
		return of_fail(err, OF_ENOMEM, "detector: out of memory");
	a = arena;
	b = a + act;
	d = b + act;

	of_stem3x3x16_leaky_pool(input, size, w.conv0_f, w.conv0_b, b);

	for (int i = 0; i < NSEP; i++)
	{
		int			co = 2 * c,
					ph,
					stride = i < NSEP - 1 ? 2 : 1;

		if (of_cancelled())
		{
			free(arena);
			return of_fail(err, OF_ECANCELED, "detector: canceled");
		}
		/* face-api pads by 1 explicitly then runs VALID: same as SAME at stride 1 */
		of_depthwise3x3(b, h, h, c, w.sep[i].dw, 1, 1, 1, h, h, d);
		of_conv2d(d, h, h, c, w.sep[i].pw, 1, 1, co, 1, 0, 0, h, h, NULL, OF_ACT_NONE, a, NULL);
		/* bias and leaky are non-decreasing: pooling first is exact and 4x cheaper */
		pad = of_same_pad(h, 2, stride, &ph);
		of_maxpool(a, h, h, co, 2, stride, pad, pad, ph, ph, b);
		of_bias_act(b, (size_t) ph * ph, co, w.sep[i].b, OF_ACT_LEAKY);
		h = ph;
		c = co;
	}
	if (of_cancelled())
	{
		free(arena);
		return of_fail(err, OF_ECANCELED, "detector: canceled");
	}
	of_conv2d(b, h, h, c, w.conv8_f, 1, 1, 25, 1, 0, 0, h, h, w.conv8_b, OF_ACT_NONE, out, NULL);
	free(arena);
	return OF_OK;
}
