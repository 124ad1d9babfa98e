/*
 * Open-set identification on LFW view 1: who is this, or nobody.
 *
 *   open_set lfw.tsv                 (lines of `openface embed lfw-view1/images`)
 *   accuracy --lfw lfw-view1         (the same table from its own descriptors)
 *
 * One face per photo (the most central), identity = folder.  Protocols:
 *   S: 100 people with >= 4 photos, 3 each in the gallery, the rest probes;
 *      300 one-photo people as strangers.
 *   L: every person with >= 2 photos, 1 in the gallery, the rest probes;
 *      every one-photo person a stranger.
 * For the nearest face (named below 0.6, the verification threshold),
 * face_identify's rule (src/core/identify.h, k = 20, threshold 0.40) and
 * face_svm_predict's model trained on the gallery (its default thresholds;
 * the 1% column moves its distance threshold, the probability floor kept):
 * known probes named right / wrong and strangers named, at the default
 * threshold and at the one that names 1% of strangers; then the rule's
 * default across gallery sizes.
 */
#ifndef OF_BENCH_OPEN_SET_H
#define OF_BENCH_OPEN_SET_H
/* Header-only, for bench/ programs: include it after defining _POSIX_C_SOURCE 200809L. */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "distance.h"
#include "identify.h"
#include "real_faces.h"
#include "svm/svm.h"

#define NEAREST_THRESHOLD	0.6
#define STRANGER_SHARE		0.01
#define PROTOCOL_S_PEOPLE	100
#define PROTOCOL_S_GALLERY	3
#define PROTOCOL_S_STRANGERS 300

static uint64_t rng_state = 0x5eed;

static void
shuffle(int *a, int n)
{
	for (int i = n - 1; i > 0; i--)
	{
		int			j = (int) (of_rng_next(&rng_state) % (uint64_t) (i + 1)),
					t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

typedef struct split
{
	int		   *gallery,
			   *probes,
			   *strangers;
	int			ng,
				np,
				ns,
				people;
} split;

/* One answer: the label named by each method and its score. */
typedef struct answer
{
	int			truth;			/* identity, -1 for a stranger */
	int			nearest;
	float		nearest_d;
	int			rule;
	float		rule_score;
	int			svm;
	float		svm_score;		/* distance to the class's exemplars; inf if the probability fails */
} answer;

#define NMETHODS 3

static const char *const method_names[NMETHODS] = {"nearest face", "face_identify", "face_svm_predict"};

static int
cmp_float(const void *a, const void *b)
{
	float		x = *(const float *) a,
				y = *(const float *) b;

	return (x > y) - (x < y);
}

/* The split's gallery as one matrix with its identities, for of_identify_gallery. */
typedef struct gallery
{
	float	   *x;
	int		   *label;
	int			n;
} gallery;

static void
answer_one(const real_set *rs, const gallery *g, const of_svm_model *svm, const int *svm_label,
		   int q, int truth, answer *a)
{
	const float *x = rs->x + (size_t) q * REAL_DIM;
	of_identity id;
	of_error	err;

	a->truth = truth;
	a->nearest_d = INFINITY;
	for (int i = 0; i < g->n; i++)
	{
		float		d = of_l2_distance(x, g->x + (size_t) i * REAL_DIM, REAL_DIM);

		if (d < a->nearest_d)
		{
			a->nearest_d = d;
			a->nearest = g->label[i];
		}
	}
	of_identify_gallery(x, g->x, g->label, (size_t) g->n, OF_IDENTIFY_DEFAULT_K, REAL_DIM,
						OF_IDENTIFY_DEFAULT_THRESHOLD, &id, &err);
	a->rule = id.label;
	a->rule_score = id.score;
	if (svm)
	{
		of_svm_decision dec;
		of_svm_thresholds t = of_svm_model_thresholds(svm);

		t.max_distance = INFINITY;
		of_svm_predict(svm, x, &t, &dec);
		a->svm = svm_label[dec.cls];
		a->svm_score = dec.accepted ? (float) dec.distance : INFINITY;
	}
	else
		a->svm_score = INFINITY;
}

/* The SVM of the gallery (NULL when it holds fewer than two people); labels map classes back. */
static of_svm_model *
train_svm(const real_set *rs, const split *sp, int **svm_label)
{
	float	   *x = malloc(sizeof(float) * REAL_DIM * (size_t) sp->ng);
	int		   *y = malloc(sizeof(int) * (size_t) sp->ng),
			   *cls_of = malloc(sizeof(int) * (size_t) rs->nid);
	int			ncls = 0;
	of_svm_params p;
	of_svm_model *m = NULL;
	of_error	err;

	*svm_label = malloc(sizeof(int) * (size_t) rs->nid);
	for (int i = 0; i < rs->nid; i++)
		cls_of[i] = -1;
	for (int i = 0; i < sp->ng; i++)
	{
		int			who = rs->y[sp->gallery[i]];

		if (cls_of[who] < 0)
		{
			(*svm_label)[ncls] = who;
			cls_of[who] = ncls++;
		}
		y[i] = cls_of[who];
		memcpy(x + (size_t) i * REAL_DIM, rs->x + (size_t) sp->gallery[i] * REAL_DIM, sizeof(float) * REAL_DIM);
	}
	of_svm_params_default(&p);
	if (ncls >= 2 && of_svm_train(x, y, (size_t) sp->ng, REAL_DIM, ncls, &p, &m, NULL, &err) != OF_OK)
	{
		fprintf(stderr, "open_set: SVM training failed: %s\n", err.msg);
		m = NULL;
	}
	free(x);
	free(y);
	free(cls_of);
	return m;
}

static answer *
answer_all(const real_set *rs, const split *sp)
{
	answer	   *a = malloc(sizeof(answer) * (size_t) (sp->np + sp->ns));
	gallery		g;
	int		   *svm_label;
	of_svm_model *svm = train_svm(rs, sp, &svm_label);

	g.n = sp->ng;
	g.x = malloc(sizeof(float) * REAL_DIM * (size_t) sp->ng);
	g.label = malloc(sizeof(int) * (size_t) sp->ng);
	for (int i = 0; i < sp->ng; i++)
	{
		memcpy(g.x + (size_t) i * REAL_DIM, rs->x + (size_t) sp->gallery[i] * REAL_DIM,
			   sizeof(float) * REAL_DIM);
		g.label[i] = rs->y[sp->gallery[i]];
	}
	for (int i = 0; i < sp->np; i++)
		answer_one(rs, &g, svm, svm_label, sp->probes[i], rs->y[sp->probes[i]], &a[i]);
	for (int i = 0; i < sp->ns; i++)
		answer_one(rs, &g, svm, svm_label, sp->strangers[i], -1, &a[sp->np + i]);
	of_svm_free(svm);
	free(svm_label);
	free(g.x);
	free(g.label);
	return a;
}

static int
method_label(const answer *a, int m)
{
	return m == 0 ? a->nearest : m == 1 ? a->rule : a->svm;
}

static float
method_score(const answer *a, int m)
{
	return m == 0 ? a->nearest_d : m == 1 ? a->rule_score : a->svm_score;
}

/* Shares named right, named wrong, strangers named, for method m at threshold t. */
static void
rates(const answer *a, const split *sp, int m, double t, double *right, double *wrong, double *strangers)
{
	int			r = 0,
				w = 0,
				s = 0;

	for (int i = 0; i < sp->np + sp->ns; i++)
	{
		int			label = method_label(&a[i], m);
		double		score = method_score(&a[i], m);

		if (!(score < t))
			continue;
		if (a[i].truth < 0)
			s++;
		else if (label == a[i].truth)
			r++;
		else
			w++;
	}
	*right = (double) r / sp->np;
	*wrong = (double) w / sp->np;
	*strangers = (double) s / sp->ns;
}

/* The threshold below which STRANGER_SHARE of strangers score. */
static double
stranger_threshold(const answer *a, const split *sp, int m)
{
	float	   *s = malloc(sizeof(float) * (size_t) sp->ns);
	double		t;

	for (int i = 0; i < sp->ns; i++)
		s[i] = method_score(&a[sp->np + i], m);
	qsort(s, (size_t) sp->ns, sizeof(float), cmp_float);
	t = s[(int) (STRANGER_SHARE * sp->ns)];
	free(s);
	return t;
}

/* Photos per identity, in file order. */
static int **
by_identity(const real_set *rs, int **count)
{
	int		  **ids = calloc((size_t) rs->nid, sizeof(int *));

	*count = calloc((size_t) rs->nid, sizeof(int));
	for (size_t i = 0; i < rs->n; i++)
	{
		int			y = rs->y[i];

		ids[y] = realloc(ids[y], sizeof(int) * (size_t) ((*count)[y] + 1));
		ids[y][(*count)[y]++] = (int) i;
	}
	return ids;
}

/* people known (min_photos or more each), per_person of them in the gallery. */
static split
make_split(const real_set *rs, int **ids, const int *count, int people, int min_photos,
		   int per_person, int strangers)
{
	split		sp = {0};
	int		   *known = malloc(sizeof(int) * (size_t) rs->nid),
			   *single = malloc(sizeof(int) * (size_t) rs->nid);
	int			nk = 0,
				n1 = 0;

	sp.gallery = malloc(sizeof(int) * rs->n);
	sp.probes = malloc(sizeof(int) * rs->n);
	sp.strangers = malloc(sizeof(int) * rs->n);
	for (int p = 0; p < rs->nid; p++)
		if (count[p] >= min_photos)
			known[nk++] = p;
		else if (count[p] == 1)
			single[n1++] = p;
	shuffle(known, nk);
	shuffle(single, n1);
	if (people > 0 && people < nk)
		nk = people;
	for (int i = 0; i < nk; i++)
	{
		int			p = known[i];

		shuffle(ids[p], count[p]);
		for (int j = 0; j < count[p]; j++)
			if (j < per_person)
				sp.gallery[sp.ng++] = ids[p][j];
			else
				sp.probes[sp.np++] = ids[p][j];
	}
	if (strangers > 0 && strangers < n1)
		n1 = strangers;
	for (int i = 0; i < n1; i++)
		sp.strangers[sp.ns++] = ids[single[i]][0];
	sp.people = nk;
	free(known);
	free(single);
	return sp;
}

static void
free_split(split *sp)
{
	free(sp->gallery);
	free(sp->probes);
	free(sp->strangers);
}

/* Protocol S (p 0) or L (p 1) of the header comment, drawn from rng_state. */
static split
protocol_split(const real_set *rs, int **ids, const int *count, int p)
{
	if (p == 0)
		return make_split(rs, ids, count, PROTOCOL_S_PEOPLE, PROTOCOL_S_GALLERY + 1,
						  PROTOCOL_S_GALLERY, PROTOCOL_S_STRANGERS);
	return make_split(rs, ids, count, 0, 2, 1, 0);
}

/* What by_identity returned. */
static void
free_identities(const real_set *rs, int **ids, int *count)
{
	for (int p = 0; p < rs->nid; p++)
		free(ids[p]);
	free(ids);
	free(count);
}

static void
method_defaults(double defaults[NMETHODS])
{
	of_svm_params svm_defaults;

	of_svm_params_default(&svm_defaults);
	defaults[0] = NEAREST_THRESHOLD;
	defaults[1] = OF_IDENTIFY_DEFAULT_THRESHOLD;
	defaults[2] = svm_defaults.thresholds.max_distance;
}

static void
report(const real_set *rs, const char *name, split *sp)
{
	double		defaults[NMETHODS];
	answer	   *a = answer_all(rs, sp);

	method_defaults(defaults);
	printf("\nprotocol %s: gallery %d photos of %d people, %d known probes, %d strangers\n",
		   name, sp->ng, sp->people, sp->np, sp->ns);
	printf("%-16s | %-32s | %s\n", "method", "default threshold: right wrong str.",
		   "1% of strangers named: threshold right wrong");
	for (int m = 0; m < NMETHODS; m++)
	{
		double		r,
					w,
					s,
					t = stranger_threshold(a, sp, m);

		rates(a, sp, m, defaults[m], &r, &w, &s);
		printf("%-16s | %.2f: %5.1f%% %5.1f%% %5.1f%%      | ", method_names[m], defaults[m],
			   100 * r, 100 * w, 100 * s);
		rates(a, sp, m, t, &r, &w, &s);
		printf("%.3f %5.1f%% %5.1f%% (strangers %.1f%%)\n", t, 100 * r, 100 * w, 100 * s);
	}
	free(a);
}

/* The protocols' tables and face_identify's defaults by gallery size, for rs. */
static void
open_set_report(const real_set *rs)
{
	static const int sizes[][2] = {{10, 3}, {100, 3}, {300, 1}, {0, 1}};
	int		   *count;
	int		  **ids;
	split		sp;

	ids = by_identity(rs, &count);
	printf("%zu photos, %d people\n", rs->n, rs->nid);
	for (int p = 0; p < 2; p++)
	{
		sp = protocol_split(rs, ids, count, p);
		report(rs, p == 0 ? "S" : "L", &sp);
		free_split(&sp);
	}

	printf("\nface_identify at its defaults by gallery size (strangers: every one-photo person)\n");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
	{
		answer	   *a;
		double		r,
					w,
					s;

		sp = make_split(rs, ids, count, sizes[i][0], sizes[i][1] + 1, sizes[i][1], 0);
		a = answer_all(rs, &sp);
		rates(a, &sp, 1, OF_IDENTIFY_DEFAULT_THRESHOLD, &r, &w, &s);
		printf("  %4d people x %d: right %5.1f%%  wrong %4.1f%%  strangers named %4.1f%%", sp.people,
			   sizes[i][1], 100 * r, 100 * w, 100 * s);
		rates(a, &sp, 0, NEAREST_THRESHOLD, &r, &w, &s);
		printf("   (nearest face at 0.6: strangers named %4.1f%%)\n", 100 * s);
		free(a);
		free_split(&sp);
	}
	free_identities(rs, ids, count);
}

/* Mean and standard deviation of n values whose sum and sum of squares are given. */
static void
mean_sd(double sum, double sq, int n, double *mean, double *sd)
{
	*mean = sum / n;
	*sd = sqrt(fmax(0, sq / n - *mean * *mean));
}

/*
 * The protocols over draws seed0 .. seed0 + n - 1, mean and standard
 * deviation over the draws (one draw moves by about 2 points on S: 172
 * probes): each method's share of known probes named right at the threshold
 * that names 1% of strangers, then at its default threshold the shares of
 * known probes named right and of strangers named.  Inline: accuracy.c
 * includes this header and does not use it, and an unused static function
 * warns.
 */
static inline void
open_set_draws(const real_set *rs, uint64_t seed0, int n)
{
	/* [protocol][method][at 1%: right; at defaults: right, strangers] */
	double		sum[2][NMETHODS][3] = {{{0}}},
				sq[2][NMETHODS][3] = {{{0}}},
				defaults[NMETHODS];

	method_defaults(defaults);
	for (int d = 0; d < n; d++)
	{
		int		   *count;
		int		  **ids;
		split		sp[2];

		rng_state = seed0 + (uint64_t) d;
		ids = by_identity(rs, &count);
		sp[0] = protocol_split(rs, ids, count, 0);
		sp[1] = protocol_split(rs, ids, count, 1);
		for (int p = 0; p < 2; p++)
		{
			answer	   *a = answer_all(rs, &sp[p]);

			for (int m = 0; m < NMETHODS; m++)
			{
				double		v[3],
							w,
							s;

				rates(a, &sp[p], m, stranger_threshold(a, &sp[p], m), &v[0], &w, &s);
				rates(a, &sp[p], m, defaults[m], &v[1], &w, &v[2]);
				for (int k = 0; k < 3; k++)
				{
					sum[p][m][k] += v[k];
					sq[p][m][k] += v[k] * v[k];
				}
			}
			free(a);
			free_split(&sp[p]);
		}
		free_identities(rs, ids, count);
	}
	printf("\nover %d draws (seeds %llu-%llu), mean +- standard deviation\n", n,
		   (unsigned long long) seed0, (unsigned long long) (seed0 + (uint64_t) n - 1));
	printf("%-16s | %-16s | %-16s | %s\n", "method", "protocol", "1%: right",
		   "default threshold: right, strangers named");
	for (int m = 0; m < NMETHODS; m++)
		for (int p = 0; p < 2; p++)
		{
			double		mean[3],
						sd[3];

			for (int k = 0; k < 3; k++)
				mean_sd(sum[p][m][k], sq[p][m][k], n, &mean[k], &sd[k]);
			printf("%-16s | %-16s | %5.2f%% +- %4.2f | %.2f: %5.2f%% +- %4.2f, %4.2f%% +- %4.2f\n",
				   method_names[m], p == 0 ? "S (100 x 3)" : "L (every x 1)", 100 * mean[0],
				   100 * sd[0], defaults[m], 100 * mean[1], 100 * sd[1], 100 * mean[2],
				   100 * sd[2]);
		}
}

#endif
