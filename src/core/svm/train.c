/*
 * Training: liblinear on working sets, exemplar selection and the pooled
 * Platt calibration (svm/svm.h explains the method and its measurements).
 */
/* initstate/setstate keep liblinear's rand() reproducible */
#define _XOPEN_SOURCE 600

#include "svm/model.h"

#include <cblas.h>
#include <float.h>
#include <linear.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "distance.h"
#include "heap.h"

/* Pooled Platt data beyond this many negatives is subsampled (weighted). */
#define PLATT_MAX_NEG	(256u * 1024)
#define SCORE_BLOCK		512
/* first working set of a class: its rows and this many nearest negatives */
#define NEAR_NEGATIVES(npos) ((npos) * 4 > 64 ? (npos) * 4 : 64)
/* working-set rounds; in practice 2-4 suffice */
#define SVM_MAX_ROUNDS	50

static void
quiet(const char *s)
{
	(void) s;
}

/*
 * Fit P = 1/(1+exp(A f + B)) by Newton's method with backtracking on the
 * regularised targets of Platt (1999): t+ = (N+ + 1)/(N+ + 2),
 * t- = 1/(N- + 2).  Negatives may carry a weight (subsampling).
 */
static void
platt_fit(const float *f, const unsigned char *pos, const float *wt, size_t n,
		  double npos, double nneg, double *a_out, double *b_out)
{
	double		tpos = (npos + 1.0) / (npos + 2.0);
	double		tneg = 1.0 / (nneg + 2.0);
	double		a = 0.0,
				b = log((nneg + 1.0) / (npos + 1.0));
	double		fval = 0.0;

	for (size_t i = 0; i < n; i++)
	{
		double		z = a * f[i] + b;
		double		t = pos[i] ? tpos : tneg;
		double		l1pe = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));

		fval += wt[i] * (l1pe - (1.0 - t) * z);
	}
	for (int iter = 0; iter < 100; iter++)
	{
		double		h11 = 1e-12,
					h22 = 1e-12,
					h21 = 0.0,
					g1 = 0.0,
					g2 = 0.0;
		double		da,
					db,
					det,
					gd,
					step;

		for (size_t i = 0; i < n; i++)
		{
			double		z = a * f[i] + b;
			double		t = pos[i] ? tpos : tneg;
			double		p = z >= 0 ? exp(-z) / (1.0 + exp(-z)) : 1.0 / (1.0 + exp(z));
			double		h = wt[i] * p * (1.0 - p);
			double		g = wt[i] * (t - p);

			h11 += (double) f[i] * f[i] * h;
			h22 += h;
			h21 += f[i] * h;
			g1 += f[i] * g;
			g2 += g;
		}
		if (fabs(g1) < 1e-5 && fabs(g2) < 1e-5)
			break;
		det = h11 * h22 - h21 * h21;
		da = -(h22 * g1 - h21 * g2) / det;
		db = -(-h21 * g1 + h11 * g2) / det;
		gd = g1 * da + g2 * db;
		for (step = 1.0; step >= 1e-10; step /= 2.0)
		{
			double		na = a + step * da,
						nb = b + step * db,
						nf = 0.0;

			for (size_t i = 0; i < n; i++)
			{
				double		z = na * f[i] + nb;
				double		t = pos[i] ? tpos : tneg;
				double		l1pe = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));

				nf += wt[i] * (l1pe - (1.0 - t) * z);
			}
			if (nf < fval + 1e-4 * step * gd)
			{
				a = na;
				b = nb;
				fval = nf;
				break;
			}
		}
		if (step < 1e-10)
			break;
	}
	*a_out = a;
	*b_out = b;
}

/*
 * Farthest-point selection of up to want rows of one class (idx[0..cnt)),
 * starting from the row nearest the class mean.  Writes chosen vectors.
 */
static of_status
pick_exemplars(const float *x, size_t dim, const size_t *idx, size_t cnt,
			   size_t want, float *dst, of_error *err)
{
	double	   *mean;
	float	   *meanf;
	double	   *dmin;
	size_t		first = 0;
	double		best = INFINITY;

	if (want >= cnt)
	{
		for (size_t i = 0; i < cnt; i++)
			memcpy(dst + i * dim, x + idx[i] * dim, sizeof(float) * dim);
		return OF_OK;
	}
	mean = calloc(dim, sizeof(double));
	meanf = malloc(sizeof(float) * dim);
	dmin = malloc(sizeof(double) * cnt);
	if (!mean || !meanf || !dmin)
	{
		free(mean);
		free(meanf);
		free(dmin);
		return of_fail(err, OF_ENOMEM, "out of memory choosing SVM exemplars");
	}
	for (size_t i = 0; i < cnt; i++)
		for (size_t j = 0; j < dim; j++)
			mean[j] += x[idx[i] * dim + j];
	for (size_t j = 0; j < dim; j++)
		meanf[j] = (float) (mean[j] / (double) cnt);
	for (size_t i = 0; i < cnt; i++)
	{
		double		d = of_l2_squared(meanf, x + idx[i] * dim, dim);

		if (d < best)
		{
			best = d;
			first = i;
		}
	}
	for (size_t i = 0; i < cnt; i++)
		dmin[i] = INFINITY;
	for (size_t e = 0; e < want; e++)
	{
		const float *c = x + idx[first] * dim;
		size_t		next = 0;
		double		far = -1.0;

		memcpy(dst + e * dim, c, sizeof(float) * dim);
		for (size_t i = 0; i < cnt; i++)
		{
			double		d = of_l2_squared(c, x + idx[i] * dim, dim);

			if (d < dmin[i])
				dmin[i] = d;
			if (dmin[i] > far)
			{
				far = dmin[i];
				next = i;
			}
		}
		first = next;
	}
	free(mean);
	free(meanf);
	free(dmin);
	return OF_OK;
}

static int
solver_type(of_svm_solver s)
{
	switch (s)
	{
		case OF_SVM_L2LOSS_PRIMAL:
			return L2R_L2LOSS_SVC;
		case OF_SVM_L1LOSS_DUAL:
			return L2R_L1LOSS_SVC_DUAL;
		case OF_SVM_L2LOSS_DUAL:
		default:
			return L2R_L2LOSS_SVC_DUAL;
	}
}

/*
 * One class's working set: the rows its binary problem is trained on.
 * idx is kept sorted for membership tests; add collects rows to merge.
 */
typedef struct ws_list
{
	size_t	   *idx;
	size_t		len;
	size_t		cap;
	int			dirty;
} ws_list;

/* Everything of_svm_train allocates, freed in one place on every path. */
typedef struct train_state
{
	struct feature_node *nodes;
	struct feature_node **rows;
	struct feature_node **sub;
	double	   *ylab;
	double	   *mean;
	size_t	   *count;
	size_t	   *order;
	float	   *block;
	float	   *cent;
	float	   *cnorm;
	float	   *xnorm;
	of_heap    *near;			/* per class: its nearest negatives */
	ws_list    *ws;
	ws_list    *add;
	int			nclass;
	float	   *pf;
	unsigned char *ppos;
	float	   *pw;
	of_svm_model *m;
} train_state;

static void
train_state_free(train_state *s)
{
	free(s->nodes);
	free(s->rows);
	free(s->sub);
	free(s->ylab);
	free(s->mean);
	free(s->count);
	free(s->order);
	free(s->block);
	free(s->cent);
	free(s->cnorm);
	free(s->xnorm);
	for (int k = 0; s->near && k < s->nclass; k++)
		of_heap_free(&s->near[k]);
	free(s->near);
	for (int k = 0; s->ws && k < s->nclass; k++)
		free(s->ws[k].idx);
	for (int k = 0; s->add && k < s->nclass; k++)
		free(s->add[k].idx);
	free(s->ws);
	free(s->add);
	free(s->pf);
	free(s->ppos);
	free(s->pw);
	of_svm_free(s->m);
}

static of_status
train_fail(train_state *s, of_status code)
{
	train_state_free(s);
	return code;
}

static int
ws_push(ws_list *l, size_t i)
{
	if (l->len == l->cap)
	{
		size_t		cap = l->cap ? 2 * l->cap : 64;
		size_t	   *p = realloc(l->idx, sizeof(size_t) * cap);

		if (p == NULL)
			return 0;
		l->idx = p;
		l->cap = cap;
	}
	l->idx[l->len++] = i;
	return 1;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t		x = *(const size_t *) a,
				y = *(const size_t *) b;

	return x < y ? -1 : x > y;
}

static int
ws_contains(const ws_list *l, size_t i)
{
	return bsearch(&i, l->idx, l->len, sizeof(size_t), cmp_size) != NULL;
}

/* Build liblinear rows: centred, scaled to unit RMS norm, with a bias node. */
static of_status
build_rows(train_state *s, const float *x, size_t n, size_t dim, double *scale,
		   of_error *err)
{
	double		ss = 0.0;

	s->mean = calloc(dim, sizeof(double));
	s->nodes = malloc(sizeof(struct feature_node) * n * (dim + 2));
	s->rows = malloc(sizeof(struct feature_node *) * n);
	s->sub = malloc(sizeof(struct feature_node *) * n);
	s->ylab = malloc(sizeof(double) * n);
	if (!s->mean || !s->nodes || !s->rows || !s->sub || !s->ylab)
		return of_fail(err, OF_ENOMEM, "out of memory for %zu SVM training rows", n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < dim; j++)
			s->mean[j] += x[i * dim + j];
	for (size_t j = 0; j < dim; j++)
		s->mean[j] /= (double) n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < dim; j++)
		{
			double		d = x[i * dim + j] - s->mean[j];

			ss += d * d;
		}

	/*
	 * Unit RMS norm makes C mean the same for any descriptor scale, and
	 * keeps liblinear's dual diagonal (|x|^2 + 1/2C) well conditioned.
	 */
	*scale = sqrt(ss / (double) n);
	if (!(*scale > 0.0) || !isfinite(*scale))
		*scale = 1.0;
	for (size_t i = 0; i < n; i++)
	{
		struct feature_node *row = s->nodes + i * (dim + 2);

		for (size_t j = 0; j < dim; j++)
		{
			row[j].index = (int) j + 1;
			row[j].value = (x[i * dim + j] - s->mean[j]) / *scale;
		}
		row[dim].index = (int) dim + 1;
		row[dim].value = 1.0;
		row[dim + 1].index = -1;
		row[dim + 1].value = 0.0;
		s->rows[i] = row;
	}
	return OF_OK;
}

/* Train class k against the rows of its working set; fold into model row k. */
static of_status
train_one(train_state *s, const int *y, size_t dim, int k, double scale,
		  const of_svm_params *p, of_error *err)
{
	const ws_list *l = &s->ws[k];
	struct problem prob;
	struct parameter param;
	struct model *lm;
	const char *msg;
	double		sign;
	double		bias;
	float	   *wk = s->m->w + (size_t) k * dim;
	char		rstate[128];
	char	   *old;

	for (size_t r = 0; r < l->len; r++)
	{
		s->sub[r] = s->rows[l->idx[r]];
		s->ylab[r] = y[l->idx[r]] == k ? 1.0 : -1.0;
	}
	memset(&prob, 0, sizeof(prob));
	prob.l = (int) l->len;
	prob.n = (int) dim + 1;
	prob.y = s->ylab;
	prob.x = s->sub;
	prob.bias = 1.0;
	memset(&param, 0, sizeof(param));
	param.solver_type = solver_type(p->solver);
	param.C = p->C;
	param.eps = p->eps > 0 ? p->eps :
		(param.solver_type == L2R_L2LOSS_SVC ? 0.01 : 0.1);
	param.p = 0.1;
	msg = check_parameter(&prob, &param);
	if (msg != NULL)
		return of_fail(err, OF_EINVAL, "liblinear: %s", msg);

	/*
	 * liblinear's dual solvers shuffle with rand(): give them a private,
	 * freshly seeded state so training is reproducible, and hand the host's
	 * state back untouched.
	 */
	old = initstate(1u, rstate, sizeof(rstate));
	lm = train(&prob, &param);
	setstate(old);
	if (lm == NULL)
		return of_fail(err, OF_ENOMEM, "liblinear could not train class %d", k);
	if (lm->nr_class != 2 || lm->nr_feature != (int) dim)
	{
		free_and_destroy_model(&lm);
		return of_fail(err, OF_EINVAL, "liblinear returned an unexpected model for class %d", k);
	}
	/* liblinear's decision value is positive for its first label */
	sign = lm->label[0] == 1 ? 1.0 : -1.0;
	bias = sign * lm->w[dim];
	for (size_t j = 0; j < dim; j++)
	{
		double		wj = sign * lm->w[j] / scale;

		wk[j] = (float) wj;
		bias -= wj * s->mean[j];
	}
	s->m->b[k] = (float) bias;
	free_and_destroy_model(&lm);
	return OF_OK;
}

/*
 * For every row i of x (n x dim): its inner products sc[k] = x_i . w_k with
 * the K rows of w, one sgemm per SCORE_BLOCK rows (into s->block), handed
 * to visit(), which may change sc.  Stops on cancellation or a failure.
 */
typedef of_status (*row_visit) (train_state *s, const int *y, size_t n, size_t i, float *sc,
								void *arg, of_error *err);

static of_status
score_rows(train_state *s, const float *x, const int *y, size_t n, size_t dim,
		   const float *w, size_t K, row_visit visit, void *arg, of_error *err)
{
	for (size_t i0 = 0; i0 < n; i0 += SCORE_BLOCK)
	{
		size_t		rows = n - i0 < SCORE_BLOCK ? n - i0 : SCORE_BLOCK;

		if (of_cancelled())
			return of_fail(err, OF_ECANCELED, "SVM training canceled");
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) K,
					(int) dim, 1.0f, x + i0 * dim, (int) dim, w, (int) dim,
					0.0f, s->block, (int) K);
		for (size_t r = 0; r < rows; r++)
		{
			of_status	st = visit(s, y, n, i0 + r, s->block + r * K, arg, err);

			if (st != OF_OK)
				return st;
		}
	}
	return OF_OK;
}

/* Row i is a candidate negative of every other class, by distance to its centroid. */
static of_status
near_row(train_state *s, const int *y, size_t n, size_t i, float *sc, void *arg, of_error *err)
{
	for (size_t k = 0; k < (size_t) s->nclass; k++)
	{
		size_t		npos = s->count[k];
		size_t		want = NEAR_NEGATIVES(npos) < n - npos ? NEAR_NEGATIVES(npos) : n - npos;

		if ((size_t) y[i] != k &&
			of_heap_keep_nearest(&s->near[k], want, s->xnorm[i] + s->cnorm[k] - 2.0f * sc[k],
								 (uint32_t) i) != OF_OK)
			return of_fail(err, OF_ENOMEM, "out of memory for SVM working sets");
	}
	return OF_OK;
}

/*
 * First working sets: every positive row, plus the negatives nearest to the
 * class centroid (max(64, 4 x positives) of them) — the likely support
 * vectors.  Centroid distances come from one blocked sgemm.
 */
static of_status
initial_working_sets(train_state *s, const float *x, const int *y, size_t n,
					 size_t dim, int use_all, of_error *err)
{
	size_t		K = (size_t) s->nclass;
	of_status	st;

	s->ws = calloc(K, sizeof(ws_list));
	s->add = calloc(K, sizeof(ws_list));
	if (!s->ws || !s->add)
		return of_fail(err, OF_ENOMEM, "out of memory for SVM working sets");
	if (use_all)
	{
		for (size_t k = 0; k < K; k++)
		{
			for (size_t i = 0; i < n; i++)
				if (!ws_push(&s->ws[k], i))
					return of_fail(err, OF_ENOMEM, "out of memory for SVM working sets");
			s->ws[k].dirty = 1;
		}
		return OF_OK;
	}
	s->cent = calloc(K * dim, sizeof(float));
	s->cnorm = malloc(sizeof(float) * K);
	s->xnorm = malloc(sizeof(float) * n);
	s->near = calloc(K, sizeof(of_heap));
	s->block = malloc(sizeof(float) * SCORE_BLOCK * K);
	if (!s->cent || !s->cnorm || !s->xnorm || !s->near || !s->block)
		return of_fail(err, OF_ENOMEM, "out of memory for SVM working sets");
	for (size_t k = 0; k < K; k++)
		of_heap_init(&s->near[k], 1);
	for (size_t i = 0; i < n; i++)
	{
		float	   *c = s->cent + (size_t) y[i] * dim;

		for (size_t j = 0; j < dim; j++)
			c[j] += x[i * dim + j];
		s->xnorm[i] = of_dot(x + i * dim, x + i * dim, dim);
	}
	for (size_t k = 0; k < K; k++)
	{
		for (size_t j = 0; j < dim; j++)
			s->cent[k * dim + j] /= (float) s->count[k];
		s->cnorm[k] = of_dot(s->cent + k * dim, s->cent + k * dim, dim);
	}
	st = score_rows(s, x, y, n, dim, s->cent, K, near_row, NULL, err);
	if (st != OF_OK)
		return st;
	for (size_t k = 0; k < K; k++)
	{
		ws_list    *l = &s->ws[k];

		for (size_t h = 0; h < s->near[k].n; h++)
			if (!ws_push(l, s->near[k].a[h].id))
				return of_fail(err, OF_ENOMEM, "out of memory for SVM working sets");
		for (size_t i = 0; i < n; i++)
			if ((size_t) y[i] == k && !ws_push(l, i))
				return of_fail(err, OF_ENOMEM, "out of memory for SVM working sets");
		qsort(l->idx, l->len, sizeof(size_t), cmp_size);
		l->dirty = 1;
	}
	return OF_OK;
}

/* Row i violates class k's margin and is not in its working set yet. */
static of_status
violator_row(train_state *s, const int *y, size_t n, size_t i, float *sc, void *arg,
			 of_error *err)
{
	size_t	   *added = arg;

	for (size_t k = 0; k < (size_t) s->nclass; k++)
	{
		if ((size_t) y[i] == k || sc[k] + s->m->b[k] <= -1.0f || ws_contains(&s->ws[k], i))
			continue;
		if (!ws_push(&s->add[k], i))
			return of_fail(err, OF_ENOMEM, "out of memory for SVM working sets");
		(*added)++;
	}
	return OF_OK;
}

/*
 * Score every row with the current weights and add to each class's working
 * set the negatives it left out that are inside the margin (score > -1).
 * When no class gains a row, every left-out row has zero loss and zero dual
 * weight, so the working-set solutions solve the full one-vs-rest problems.
 * Returns the number of rows added.
 */
static of_status
add_violators(train_state *s, const float *x, const int *y, size_t n,
			  size_t dim, size_t *added, of_error *err)
{
	of_svm_model *m = s->m;
	size_t		K = (size_t) m->nclass;

	of_status	st;

	*added = 0;
	st = score_rows(s, x, y, n, dim, m->w, K, violator_row, added, err);
	if (st != OF_OK)
		return st;
	for (size_t k = 0; k < K; k++)
	{
		ws_list    *a = &s->add[k];

		for (size_t j = 0; j < a->len; j++)
			if (!ws_push(&s->ws[k], a->idx[j]))
				return of_fail(err, OF_ENOMEM, "out of memory for SVM working sets");
		if (a->len)
		{
			qsort(s->ws[k].idx, s->ws[k].len, sizeof(size_t), cmp_size);
			s->ws[k].dirty = 1;
		}
		a->len = 0;
	}
	return OF_OK;
}

/* Platt data and training accuracy, gathered row by row. */
typedef struct calib_data
{
	size_t		stride;			/* keep one negative decision value in stride */
	size_t		cap;
	size_t		np;
	size_t		keptneg;
	size_t		correct;
	size_t		pair;
} calib_data;

static of_status
calib_row(train_state *s, const int *y, size_t n, size_t i, float *sc, void *arg, of_error *err)
{
	calib_data *c = arg;
	size_t		best = 0;

	for (size_t k = 0; k < (size_t) s->nclass; k++)
	{
		sc[k] += s->m->b[k];
		if (sc[k] > sc[best])
			best = k;
		if ((int) k == y[i])
		{
			s->pf[c->np] = sc[k];
			s->ppos[c->np] = 1;
			s->pw[c->np] = 1.0f;
			c->np++;
		}
		else if (c->pair++ % c->stride == 0 && c->np < c->cap)
		{
			s->pf[c->np] = sc[k];
			s->ppos[c->np] = 0;
			s->pw[c->np] = 1.0f;
			c->np++;
			c->keptneg++;
		}
	}
	if ((int) best == y[i])
		c->correct++;
	return OF_OK;
}

/*
 * Score all training rows (blocked sgemm): training accuracy, and the
 * pooled decision values for the Platt fit.
 */
static of_status
calibrate(train_state *s, const float *x, const int *y, size_t n, size_t dim,
		  of_svm_train_info *info, of_error *err)
{
	of_svm_model *m = s->m;
	size_t		K = (size_t) m->nclass;
	size_t		nneg = n * (K - 1);
	calib_data	c = {0};
	of_status	st;

	c.stride = (nneg + PLATT_MAX_NEG - 1) / PLATT_MAX_NEG;
	if (c.stride < 1)
		c.stride = 1;
	c.cap = n + nneg / c.stride + 1;
	s->pf = malloc(sizeof(float) * c.cap);
	s->ppos = malloc(c.cap);
	s->pw = malloc(sizeof(float) * c.cap);
	if (!s->pf || !s->ppos || !s->pw)
		return of_fail(err, OF_ENOMEM, "out of memory calibrating the SVM");
	st = score_rows(s, x, y, n, dim, m->w, K, calib_row, &c, err);
	if (st != OF_OK)
		return st;
	if (c.keptneg > 0 && c.keptneg < nneg)
	{
		float		wneg = (float) ((double) nneg / (double) c.keptneg);

		for (size_t i = 0; i < c.np; i++)
			if (!s->ppos[i])
				s->pw[i] = wneg;
	}
	platt_fit(s->pf, s->ppos, s->pw, c.np, (double) n, (double) nneg,
			  &m->platt_a, &m->platt_b);
	info->training_accuracy = (double) c.correct / (double) n;
	return OF_OK;
}

of_status
of_svm_train(const float *x, const int *y, size_t n, size_t dim, int nclass,
			 const of_svm_params *p, of_svm_model **out,
			 of_svm_train_info *info, of_error *err)
{
	train_state s;
	of_svm_train_info dummy;
	double		scale = 1.0;
	size_t		nex = 0;
	of_status	rc;

	memset(&s, 0, sizeof(s));
	*out = NULL;
	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (nclass < 2)
		return of_fail(err, OF_EINVAL, "an SVM needs at least 2 classes, got %d", nclass);
	if (dim == 0 || dim > 65536 || n > (size_t) INT32_MAX / 2)
		return of_fail(err, OF_EINVAL, "bad SVM training size (%zu rows of %zu)", n, dim);
	if (!(p->C > 0.0) || !isfinite(p->C))
		return of_fail(err, OF_EINVAL, "SVM cost C must be positive and finite, got %g", p->C);
	if (p->max_exemplars < 0)
		return of_fail(err, OF_EINVAL, "max_exemplars must be >= 0, got %d", p->max_exemplars);
	s.nclass = nclass;
	s.count = calloc((size_t) nclass, sizeof(size_t));
	if (s.count == NULL)
		return of_fail(err, OF_ENOMEM, "out of memory for %d SVM classes", nclass);
	for (size_t i = 0; i < n; i++)
	{
		if (y[i] < 0 || y[i] >= nclass)
			return train_fail(&s, of_fail(err, OF_EINVAL, "class id %d out of range", y[i]));
		s.count[y[i]]++;
	}
	for (int k = 0; k < nclass; k++)
	{
		if (s.count[k] == 0)
			return train_fail(&s, of_fail(err, OF_EINVAL, "SVM class %d has no rows", k));
		nex += p->max_exemplars && s.count[k] > (size_t) p->max_exemplars ?
			(size_t) p->max_exemplars : s.count[k];
	}
	s.m = of_svm_model_alloc(dim, nclass, nex);
	if (s.m == NULL)
		return train_fail(&s, of_fail(err, OF_ENOMEM, "out of memory for the SVM model"));
	s.m->C = p->C;
	s.m->thresholds = p->thresholds;

	rc = build_rows(&s, x, n, dim, &scale, err);
	if (rc == OF_OK)
		rc = initial_working_sets(&s, x, y, n, dim, p->full_problem, err);
	if (rc != OF_OK)
		return train_fail(&s, rc);
	if (s.block == NULL)
		s.block = malloc(sizeof(float) * SCORE_BLOCK * (size_t) nclass);
	if (s.block == NULL)
		return train_fail(&s, of_fail(err, OF_ENOMEM, "out of memory for SVM scores"));
	set_print_string_function(quiet);
	for (int round = 1;; round++)
	{
		size_t		added = 0;

		for (int k = 0; k < nclass; k++)
		{
			if (!s.ws[k].dirty)
				continue;
			if (of_cancelled())
				return train_fail(&s, of_fail(err, OF_ECANCELED, "SVM training canceled"));
			rc = train_one(&s, y, dim, k, scale, p, err);
			if (rc != OF_OK)
				return train_fail(&s, rc);
			s.ws[k].dirty = 0;
		}
		info->rounds = round;
		if (p->full_problem || round == SVM_MAX_ROUNDS)
			break;
		rc = add_violators(&s, x, y, n, dim, &added, err);
		if (rc != OF_OK)
			return train_fail(&s, rc);
		if (added == 0)
			break;
	}
	for (int k = 0; k < nclass; k++)
		info->working_rows += s.ws[k].len;

	/* liblinear's rows are no longer needed; free them before scoring */
	free(s.nodes);
	s.nodes = NULL;

	rc = calibrate(&s, x, y, n, dim, info, err);
	if (rc != OF_OK)
		return train_fail(&s, rc);

	/* exemplars, grouped by class: a counting sort of row indices */
	s.order = malloc(sizeof(size_t) * (n ? n : 1));
	if (s.order == NULL)
		return train_fail(&s, of_fail(err, OF_ENOMEM, "out of memory for SVM exemplars"));
	{
		size_t		pos = 0;
		uint32_t	ex = 0;

		for (int k = 0; k < nclass; k++)
		{
			size_t		start = pos;
			size_t		want = p->max_exemplars ? (size_t) p->max_exemplars : s.count[k];

			for (size_t i = 0; i < n; i++)
				if (y[i] == k)
					s.order[pos++] = i;
			if (of_cancelled())
				return train_fail(&s, of_fail(err, OF_ECANCELED, "SVM training canceled"));
			s.m->ex_start[k] = ex;
			rc = pick_exemplars(x, dim, s.order + start, s.count[k], want,
								s.m->ex + (size_t) ex * dim, err);
			if (rc != OF_OK)
				return train_fail(&s, rc);
			ex += (uint32_t) (want < s.count[k] ? want : s.count[k]);
		}
		s.m->ex_start[nclass] = ex;
	}
	*out = s.m;
	s.m = NULL;
	train_state_free(&s);
	return OF_OK;
}

