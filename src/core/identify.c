/* Open-set identification from the k nearest gallery faces; the rule in identify.h. */
#include "identify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "distance.h"

/*
 * v scaled to OF_IDENTIFY_LENGTH: only its direction counts, as a length
 * that changes from photo to photo of one person blurs the threshold
 * (identify.h).  A zero vector has no direction and stays at the origin.
 */
static void
at_common_length(const float *v, size_t dim, float *out)
{
	float		len = sqrtf(of_dot(v, v, dim));
	float		f = len > 0 ? (float) OF_IDENTIFY_LENGTH / len : 0.0f;

	for (size_t j = 0; j < dim; j++)
		out[j] = v[j] * f;
}

of_status
of_identify(const float *q, const float *x, const int *label, size_t k,
			size_t dim, double threshold, of_identity *out, of_error *err)
{
	int		   *slot_label = malloc((k ? k : 1) * sizeof(int));
	size_t	   *count = calloc(k ? k : 1, sizeof(size_t));
	float	   *sum = calloc((k ? k : 1) * dim, sizeof(float));
	float	   *qd = malloc((dim ? dim : 1) * sizeof(float)),
			   *xd = malloc((dim ? dim : 1) * sizeof(float));
	size_t		nslot = 0,
				best = 0;
	float		d1 = INFINITY,
				d2 = INFINITY;

	out->label = -1;
	out->named = 0;
	out->distance = out->runner_up = out->score = NAN;
	out->confidence = 0;
	if (slot_label == NULL || count == NULL || sum == NULL || qd == NULL || xd == NULL)
	{
		free(slot_label);
		free(count);
		free(sum);
		free(qd);
		free(xd);
		return of_fail(err, OF_ENOMEM, "out of memory");
	}
	at_common_length(q, dim, qd);
	/* Sum each label's faces (a label has at most k of them), as directions. */
	for (size_t i = 0; i < k; i++)
	{
		size_t		s = 0;

		while (s < nslot && slot_label[s] != label[i])
			s++;
		if (s == nslot)
			slot_label[nslot++] = label[i];
		count[s]++;
		at_common_length(x + i * dim, dim, xd);
		for (size_t j = 0; j < dim; j++)
			sum[s * dim + j] += xd[j];
	}
	for (size_t s = 0; s < nslot; s++)
	{
		float	   *mean = sum + s * dim;
		float		d;

		for (size_t j = 0; j < dim; j++)
			mean[j] /= (float) count[s];
		d = of_l2_distance(qd, mean, dim);
		if (d < d1)
		{
			d2 = d1;
			d1 = d;
			best = s;
		}
		else if (d < d2)
			d2 = d;
	}
	if (nslot > 0)
	{
		if (nslot == 1)
			d2 = d1;
		out->label = slot_label[best];
		out->distance = d1;
		out->runner_up = d2;
		out->score = d1 - (float) OF_IDENTIFY_MARGIN_WEIGHT * (d2 - d1);
		out->named = out->score < threshold;
		if (out->named && threshold > 0)
			out->confidence = fminf(1.0f, fmaxf(0.0f, 1.0f - out->score / (float) threshold));
	}
	free(slot_label);
	free(count);
	free(sum);
	free(qd);
	free(xd);
	return OF_OK;
}

of_status
of_identify_gallery(const float *q, const float *gallery, const int *label, size_t n,
					size_t k, size_t dim, double threshold, of_identity *out, of_error *err)
{
	size_t	   *order;
	float	   *d,
			   *nx;
	int		   *nl;
	of_status	st;

	if (k > n)
		k = n;
	order = malloc((n ? n : 1) * sizeof(size_t));
	d = malloc((n ? n : 1) * sizeof(float));
	nx = malloc((k ? k : 1) * dim * sizeof(float));
	nl = malloc((k ? k : 1) * sizeof(int));
	if (order == NULL || d == NULL || nx == NULL || nl == NULL)
		st = of_fail(err, OF_ENOMEM, "out of memory");
	else
	{
		for (size_t i = 0; i < n; i++)
		{
			order[i] = i;
			d[i] = of_l2_squared(q, gallery + i * dim, dim);
		}
		/* the k nearest first (k is small) */
		for (size_t i = 0; i < k; i++)
			for (size_t j = i + 1; j < n; j++)
				if (d[order[j]] < d[order[i]])
				{
					size_t		t = order[i];

					order[i] = order[j];
					order[j] = t;
				}
		for (size_t i = 0; i < k; i++)
		{
			memcpy(nx + i * dim, gallery + order[i] * dim, dim * sizeof(float));
			nl[i] = label[order[i]];
		}
		st = of_identify(q, nx, nl, k, dim, threshold, out, err);
	}
	free(order);
	free(d);
	free(nx);
	free(nl);
	return st;
}
