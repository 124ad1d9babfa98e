/*
 * SVM benchmark on face-like synthetic embeddings: unit 128-d vectors, one
 * random centre per identity on a cone around a common direction (different
 * identities ~0.91-1.17 apart), samples = centre + Gaussian noise,
 * renormalised (same identity ~0.34-0.52 apart).
 *
 *   svm_bench              training time grid, prediction cost, rejection
 *   svm_bench quick        only 10k x 100 classes
 *   svm_bench real EMB.tsv [STRANGERS.tsv]
 *                          quality on real descriptors (`openface embed`
 *                          output; the identity is the file's directory):
 *                          4-fold identification accuracy and false
 *                          rejections over identities with 4+ faces, stranger
 *                          acceptance of STRANGERS.tsv and of each identity
 *                          left out of training, over a threshold sweep.
 *
 * A training cell still running after 60 s is cancelled (through the core's
 * cancellation hook, between classes) and reported as skipped.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distance.h"
#include "facelike.h"
#include "real_faces.h"
#include "svm/svm.h"
#include "timing.h"

#define DIM 128

static uint64_t rng_state;

/* nid identity centres sharing a common direction (cosine ~0.46) */
static float *
make_centres(int nid)
{
	float	   *c = malloc(sizeof(float) * DIM * (size_t) nid);

	facelike_centres(&rng_state, c, (size_t) nid);
	return c;
}

static float noise = FACELIKE_NOISE;

static void
make_sample(const float *centre, float *out)
{
	facelike_sample(&rng_state, centre, noise, out);
}

static double last_cpu_ms;

typedef struct dataset
{
	int			nid;
	size_t		n;
	float	   *centres;
	float	   *x;
	int		   *y;
} dataset;

static void
make_dataset(dataset *d, size_t n, int nid)
{
	d->nid = nid;
	d->n = n;
	d->centres = make_centres(nid);
	d->x = malloc(sizeof(float) * DIM * n);
	d->y = malloc(sizeof(int) * n);
	for (size_t i = 0; i < n; i++)
	{
		d->y[i] = (int) (i % (size_t) nid);
		make_sample(d->centres + (size_t) d->y[i] * DIM, d->x + i * DIM);
	}
}

static void
free_dataset(dataset *d)
{
	free(d->centres);
	free(d->x);
	free(d->y);
}

/* Train; returns ms or -1.  *m receives the model. */
static of_svm_train_info info;

static double
train_ms(const dataset *d, const of_svm_params *p, of_svm_model **m, double *acc)
{
	of_error	err;
	double		t0 = of_wall_ms();
	double		c0 = of_process_cpu_ms();

	if (of_svm_train(d->x, d->y, d->n, DIM, d->nid, p, m, &info, &err) != OF_OK)
	{
		if (err.code != OF_ECANCELED)
			fprintf(stderr, "train failed: %s\n", err.msg);
		return -1;
	}
	*acc = info.training_accuracy;
	last_cpu_ms = of_process_cpu_ms() - c0;
	return of_wall_ms() - t0;
}

/* Held-out accuracy and false rejections on known identities, strangers accepted. */
static void
evaluate(const of_svm_model *m, const dataset *d, int nprobe,
		 const of_svm_thresholds *t, double *acc, double *frr, double *far_)
{
	float		v[DIM];
	float	   *strangers = make_centres(nprobe);
	int			right = 0,
				rejected = 0,
				accepted = 0;
	of_svm_decision dec;

	for (int i = 0; i < nprobe; i++)
	{
		int			id = i % d->nid;

		make_sample(d->centres + (size_t) id * DIM, v);
		of_svm_predict(m, v, t, &dec);
		right += dec.cls == id;
		rejected += !dec.accepted;
		make_sample(strangers + (size_t) i * DIM, v);
		of_svm_predict(m, v, t, &dec);
		accepted += dec.accepted;
	}
	free(strangers);
	*acc = (double) right / nprobe;
	*frr = (double) rejected / nprobe;
	*far_ = (double) accepted / nprobe;
}

static double
predict_us(const of_svm_model *m, const dataset *d)
{
	int			calls = 20000;
	double		t0;
	volatile int sink = 0;
	of_svm_decision dec;

	t0 = of_wall_ms();
	for (int i = 0; i < calls; i++)
	{
		of_svm_predict(m, d->x + (size_t) (i % d->n) * DIM, NULL, &dec);
		sink += dec.cls;
	}
	(void) sink;
	return (of_wall_ms() - t0) * 1e3 / calls;
}

static void
solver_compare(void)
{
	static const char *names[] = {"L2-loss dual", "L2-loss primal", "L1-loss dual"};
	dataset		d;

	rng_state = 42;
	make_dataset(&d, 10000, 100);
	printf("# solver comparison, 10k rows x 100 classes, C = 1\n");
	printf("%-16s %10s %10s %10s %10s\n", "solver", "train_ms", "cpu_ms", "train_acc", "test_acc");
	for (int s = 0; s < 3; s++)
	{
		of_svm_params p;
		of_svm_model *m = NULL;
		double		ms,
					acc,
					tacc,
					frr,
					far_;

		of_svm_params_default(&p);
		p.solver = (of_svm_solver) s;
		ms = train_ms(&d, &p, &m, &acc);
		if (ms < 0)
			continue;
		evaluate(m, &d, 2000, NULL, &tacc, &frr, &far_);
		printf("%-16s %10.1f %10.1f %10.4f %10.4f   (%d rounds, %zu working rows)\n", names[s], ms, last_cpu_ms, acc,
			   tacc, info.rounds, info.working_rows);
		of_svm_free(m);
	}
	free_dataset(&d);
}

static void
rejection_sweep(void)
{
	dataset		d;
	of_svm_params p;
	of_svm_model *m = NULL;
	double		acc;
	static const double dist[] = {0.6, 0.7, 0.8, INFINITY};
	static const double prob[] = {0.0, 0.1, 0.5, 0.9};

	/* noisier than the grid (same identity ~0.5-0.7 apart) so the tests matter */
	rng_state = 7;
	noise = 0.038f;
	make_dataset(&d, 1000, 100);	/* 10 samples per identity */
	of_svm_params_default(&p);
	if (train_ms(&d, &p, &m, &acc) < 0)
		return;
	printf("# rejection sweep, 100 identities x 10 samples; probes: 2000 known, 2000 strangers\n");
	printf("# (noise 0.038: same identity ~0.5-0.7 apart)\n");
	printf("%12s %12s %10s %10s %10s\n", "max_dist", "min_prob", "id_acc", "false_rej", "strng_acc");
	for (size_t i = 0; i < sizeof(dist) / sizeof(dist[0]); i++)
		for (size_t j = 0; j < sizeof(prob) / sizeof(prob[0]); j++)
		{
			of_svm_thresholds t = {dist[i], prob[j], -INFINITY};
			double		a,
						frr,
						far_;

			rng_state = 99;
			evaluate(m, &d, 2000, &t, &a, &frr, &far_);
			printf("%12.2f %12.2f %10.4f %10.4f %10.4f\n", dist[i], prob[j], a, frr, far_);
		}
	of_svm_free(m);
	free_dataset(&d);
	noise = 0.027f;
}

static double deadline;

static int
past_deadline(void)
{
	return of_wall_ms() > deadline;
}

/* ---------------------------------------------------------------- real data */

#define NSWEEP 6
static const double sweep_dist[NSWEEP] = {0.45, 0.5, 0.55, 0.6, 0.65, INFINITY};
#define NPROB 3
static const double sweep_prob[NPROB] = {0.0, 0.2, 0.5};

typedef struct tally
{
	int			right[NSWEEP][NPROB];	/* accepted and right */
	int			wrong[NSWEEP][NPROB];	/* accepted and wrong */
	int			rejected[NSWEEP][NPROB];
	int			probes;
	int			sacc[NSWEEP][NPROB];	/* strangers accepted */
	int			sprobes;
} tally;

static void
probe(const of_svm_model *m, const float *v, int truth, tally *t)
{
	for (int a = 0; a < NSWEEP; a++)
		for (int b = 0; b < NPROB; b++)
		{
			of_svm_thresholds th = {sweep_dist[a], sweep_prob[b], -INFINITY};
			of_svm_decision d;

			of_svm_predict(m, v, &th, &d);
			if (truth >= 0)
			{
				if (!d.accepted)
					t->rejected[a][b]++;
				else if (d.cls == truth)
					t->right[a][b]++;
				else
					t->wrong[a][b]++;
			}
			else
				t->sacc[a][b] += d.accepted;
		}
	if (truth >= 0)
		t->probes++;
	else
		t->sprobes++;
}

/* Train on rows with keep[i] set; class ids renumbered densely. */
static of_svm_model *
train_subset(const real_set *rs, const char *keep, int *cls_of_id)
{
	float	   *x = malloc(sizeof(float) * DIM * rs->n);
	int		   *y = malloc(sizeof(int) * rs->n);
	size_t		n = 0;
	int			k = 0;
	of_svm_params p;
	of_svm_model *m = NULL;
	of_error	err;

	for (int c = 0; c < rs->nid; c++)
		cls_of_id[c] = -1;
	for (size_t i = 0; i < rs->n; i++)
		if (keep[i])
		{
			if (cls_of_id[rs->y[i]] < 0)
				cls_of_id[rs->y[i]] = k++;
			memcpy(x + n * DIM, rs->x + i * DIM, sizeof(float) * DIM);
			y[n++] = cls_of_id[rs->y[i]];
		}
	of_svm_params_default(&p);
	if (of_svm_train(x, y, n, DIM, k, &p, &m, NULL, &err) != OF_OK)
		fprintf(stderr, "train: %s\n", err.msg);
	free(x);
	free(y);
	return m;
}

static int
real_quality(const char *known_path, const char *stranger_path)
{
	real_set	rs,
				st;
	int		   *count,
			   *rank,
			   *cls_of_id;
	char	   *keep;
	tally		t;
	int			nknown = 0,
				rows = 0;
	double		t0;

	if (read_real(known_path, &rs) != 0)
	{
		fprintf(stderr, "cannot read %s\n", known_path);
		return 1;
	}
	memset(&st, 0, sizeof(st));
	if (stranger_path && read_real(stranger_path, &st) != 0)
	{
		fprintf(stderr, "cannot read %s\n", stranger_path);
		return 1;
	}
	memset(&t, 0, sizeof(t));
	count = calloc(rs.nid, sizeof(int));
	rank = malloc(sizeof(int) * rs.n);
	cls_of_id = malloc(sizeof(int) * rs.nid);
	keep = malloc(rs.n);
	for (size_t i = 0; i < rs.n; i++)
		rank[i] = count[rs.y[i]]++;
	for (int c = 0; c < rs.nid; c++)
		if (count[c] >= 4)
		{
			nknown++;
			rows += count[c];
		}
	printf("# %s: %zu faces of %d identities; %d identities with 4+ faces (%d faces) are the gallery\n",
		   known_path, rs.n, rs.nid, nknown, rows);
	if (stranger_path)
		printf("# strangers: %zu faces of %d identities from %s\n", st.n, st.nid, stranger_path);
	t0 = of_wall_ms();
	/* 4 folds: the r-th face of an identity is held out in fold r % 4 */
	for (int fold = 0; fold < 4; fold++)
	{
		of_svm_model *m;

		for (size_t i = 0; i < rs.n; i++)
			keep[i] = count[rs.y[i]] >= 4 && rank[i] % 4 != fold;
		m = train_subset(&rs, keep, cls_of_id);
		if (m == NULL)
			return 1;
		for (size_t i = 0; i < rs.n; i++)
			if (count[rs.y[i]] >= 4 && rank[i] % 4 == fold)
				probe(m, rs.x + i * DIM, cls_of_id[rs.y[i]], &t);
		if (fold == 0)
			for (size_t i = 0; i < st.n; i++)
				probe(m, st.x + i * DIM, -1, &t);
		of_svm_free(m);
	}
	/* each gallery identity left out of training in turn: all its faces are strangers */
	{
		tally		lo;
		int			left = 0;

		memset(&lo, 0, sizeof(lo));
		for (int c = 0; c < rs.nid && left < 40; c++)
		{
			of_svm_model *m;

			if (count[c] < 4)
				continue;
			left++;
			for (size_t i = 0; i < rs.n; i++)
				keep[i] = count[rs.y[i]] >= 4 && rs.y[i] != c;
			m = train_subset(&rs, keep, cls_of_id);
			if (m == NULL)
				return 1;
			for (size_t i = 0; i < rs.n; i++)
				if (rs.y[i] == c)
					probe(m, rs.x + i * DIM, -1, &lo);
			of_svm_free(m);
		}
		printf("# %d identities left out in turn (%d faces); %.1f s in all\n", left, lo.sprobes,
			   (of_wall_ms() - t0) / 1000);
		printf("%9s %9s %9s %9s %9s %12s %12s\n", "max_dist", "min_prob", "id_acc", "misid",
			   "false_rej", "strng_acc", "left_out_acc");
		for (int a = 0; a < NSWEEP; a++)
			for (int b = 0; b < NPROB; b++)
				printf("%9.2f %9.2f %9.4f %9.4f %9.4f %12.4f %12.4f\n", sweep_dist[a], sweep_prob[b],
					   (double) t.right[a][b] / t.probes, (double) t.wrong[a][b] / t.probes,
					   (double) t.rejected[a][b] / t.probes,
					   t.sprobes ? (double) t.sacc[a][b] / t.sprobes : NAN,
					   (double) lo.sacc[a][b] / lo.sprobes);
	}
	free(count);
	free(rank);
	free(cls_of_id);
	free(keep);
	free_real(&rs);
	free_real(&st);
	return 0;
}

int
main(int argc, char **argv)
{
	static const size_t rows[] = {1000, 10000, 100000};
	static const int classes[] = {10, 100, 1000};
	int			quick = argc > 1 && strcmp(argv[1], "quick") == 0;

	if (argc > 2 && strcmp(argv[1], "real") == 0)
		return real_quality(argv[2], argc > 3 ? argv[3] : NULL);
	printf("# distance kernels: %s; cpu_ms = process CPU time (all threads)\n", of_distance_isa());
	if (!quick)
	{
		solver_compare();
		rejection_sweep();
	}
	printf("# training grid (default params: L2-loss dual, C = 1, 64 exemplars/class)\n");
	printf("%8s %8s %10s %10s %10s %10s %10s %10s %10s\n", "rows", "classes", "train_ms", "cpu_ms",
		   "train_acc", "test_acc", "false_rej", "strng_acc", "pred_us");
	for (size_t r = 0; r < 3; r++)
		for (size_t c = 0; c < 3; c++)
		{
			dataset		d;
			of_svm_params p;
			of_svm_model *m = NULL;
			double		ms,
						acc,
						tacc,
						frr,
						far_;

			if (quick && (rows[r] != 10000 || classes[c] != 100))
				continue;
			rng_state = 1000 + r * 10 + c;
			make_dataset(&d, rows[r], classes[c]);
			of_svm_params_default(&p);
			deadline = of_wall_ms() + 60000;
			of_set_cancel_hook(past_deadline);
			ms = train_ms(&d, &p, &m, &acc);
			of_set_cancel_hook(NULL);
			if (ms < 0)
				printf("%8zu %8d   skipped: cancelled after 60 s\n", rows[r], classes[c]);
			else
			{
				evaluate(m, &d, 2000, NULL, &tacc, &frr, &far_);
				printf("%8zu %8d %10.1f %10.1f %10.4f %10.4f %10.4f %10.4f %10.2f\n", rows[r],
					   classes[c], ms, last_cpu_ms, acc, tacc, frr, far_, predict_us(m, &d));
				fflush(stdout);
				of_svm_free(m);
			}
			free_dataset(&d);
		}
	return 0;
}
