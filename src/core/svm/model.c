/*
 * The trained model: accessors, scores and the open-set decision
 * (svm/svm.h states the rule).
 */
#include "svm/model.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "distance.h"

void
of_svm_params_default(of_svm_params *p)
{
	p->C = 1.0;
	p->eps = 0.0;
	p->solver = OF_SVM_L2LOSS_DUAL;
	p->max_exemplars = 64;
	p->full_problem = 0;
	p->thresholds.max_distance = OF_SVM_DEFAULT_MAX_DISTANCE;
	p->thresholds.min_probability = OF_SVM_DEFAULT_MIN_PROBABILITY;
	p->thresholds.min_margin = OF_SVM_DEFAULT_MIN_MARGIN;
}

void
of_svm_free(of_svm_model *m)
{
	if (m == NULL)
		return;
	free(m->w);
	free(m->b);
	free(m->ex_start);
	free(m->ex);
	free(m);
}

int
of_svm_nclass(const of_svm_model *m)
{
	return m->nclass;
}

size_t
of_svm_dim(const of_svm_model *m)
{
	return m->dim;
}

of_svm_thresholds
of_svm_model_thresholds(const of_svm_model *m)
{
	return m->thresholds;
}

of_svm_model *
of_svm_model_alloc(size_t dim, int nclass, size_t nex)
{
	of_svm_model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->dim = dim;
	m->nclass = nclass;
	m->w = malloc(sizeof(float) * dim * (size_t) nclass);
	m->b = malloc(sizeof(float) * (size_t) nclass);
	m->ex_start = calloc((size_t) nclass + 1, sizeof(uint32_t));
	m->ex = malloc(sizeof(float) * dim * (nex ? nex : 1));
	if (!m->w || !m->b || !m->ex_start || !m->ex)
	{
		of_svm_free(m);
		return NULL;
	}
	return m;
}

static double
platt_prob(const of_svm_model *m, double s)
{
	double		z = m->platt_a * s + m->platt_b;

	/* 1 / (1 + e^z), computed without overflow on either side */
	if (z >= 0)
		return exp(-z) / (1.0 + exp(-z));
	return 1.0 / (1.0 + exp(z));
}

void
of_svm_scores(const of_svm_model *m, const float *x, double *scores, double *prob)
{
	for (int k = 0; k < m->nclass; k++)
	{
		scores[k] = (double) of_dot(m->w + (size_t) k * m->dim, x, m->dim) + m->b[k];
		if (prob)
			prob[k] = platt_prob(m, scores[k]);
	}
}

/* A disabled (non-finite) threshold always passes. */
static int
passes_max(double value, double limit)
{
	return !isfinite(limit) || value <= limit;
}

static int
passes_min(double value, double limit)
{
	return !isfinite(limit) || value >= limit;
}

double
of_svm_class_distance(const of_svm_model *m, const float *x, int k)
{
	double		dmin2 = INFINITY;

	for (uint32_t e = m->ex_start[k]; e < m->ex_start[k + 1]; e++)
	{
		double		d2 = of_l2_squared(m->ex + (size_t) e * m->dim, x, m->dim);

		if (d2 < dmin2)
			dmin2 = d2;
	}
	return sqrt(dmin2);
}

void
of_svm_predict(const of_svm_model *m, const float *x,
			   const of_svm_thresholds *t, of_svm_decision *out)
{
	const of_svm_thresholds *th = t ? t : &m->thresholds;
	double		best = -DBL_MAX,
				second = -DBL_MAX;
	int			cls = 0;

	for (int k = 0; k < m->nclass; k++)
	{
		double		s = (double) of_dot(m->w + (size_t) k * m->dim, x, m->dim) + m->b[k];

		if (s > best)
		{
			second = best;
			best = s;
			cls = k;
		}
		else if (s > second)
			second = s;
	}
	out->cls = cls;
	out->score = best;
	out->margin = best - second;
	out->probability = platt_prob(m, best);
	out->distance = of_svm_class_distance(m, x, cls);
	out->accepted = passes_max(out->distance, th->max_distance) &&
		passes_min(out->probability, th->min_probability) &&
		passes_min(out->margin, th->min_margin);
}

