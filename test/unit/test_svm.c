/*
 * Unit tests of src/core/svm/: toy problems checkable by hand, synthetic
 * face-like embeddings for identification and open-set rejection, the
 * working-set shortcut against the full problem, serialisation, errors.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svm/svm.h"
#include "facelike.h"
#include "unit.h"

#define DIM 128

static uint64_t rng_state = 12345;

static void
make_centres(float *c, int nid)
{
	facelike_centres(&rng_state, c, (size_t) nid);
}

static void
make_sample(const float *centre, float *out)
{
	facelike_sample(&rng_state, centre, FACELIKE_NOISE, out);
}

static int	cancel_now;

static int
cancel_hook(void)
{
	return cancel_now;
}

static void
test_toy(void)
{
	/* three 2-d classes around (2,0), (-2,0), (0,2) */
	static const float x[] = {
		2.0f, 0.1f, 2.1f, -0.1f, 1.9f, 0.0f,
		-2.0f, 0.1f, -2.1f, 0.0f, -1.9f, -0.1f,
		0.1f, 2.0f, 0.0f, 2.1f, -0.1f, 1.9f
	};
	static const int y[] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
	of_svm_params p;
	of_svm_model *m = NULL;
	of_svm_train_info info;
	of_svm_decision d;
	of_error	err;
	const float q0[] = {1.8f, 0.2f},
				q1[] = {-2.2f, 0.3f},
				q2[] = {0.2f, 1.7f},
				far[] = {6.0f, 6.0f};

	of_svm_params_default(&p);
	ok(of_svm_train(x, y, 9, 2, 3, &p, &m, &info, &err) == OF_OK, "toy: trains");
	if (m == NULL)
		return;
	ok(info.training_accuracy == 1.0, "toy: training accuracy 1 (%g)", info.training_accuracy);
	of_svm_predict(m, q0, NULL, &d);
	ok(d.cls == 0 && d.accepted, "toy: (1.8,0.2) -> class 0, accepted");
	/* nearest exemplar of class 0 is (1.9,0): distance sqrt(0.01+0.04) */
	ok(fabs(d.distance - sqrt(0.05)) < 1e-6, "toy: distance to nearest exemplar %.6f", d.distance);
	of_svm_predict(m, q1, NULL, &d);
	ok(d.cls == 1 && d.accepted, "toy: (-2.2,0.3) -> class 1");
	of_svm_predict(m, q2, NULL, &d);
	ok(d.cls == 2 && d.accepted, "toy: (0.2,1.7) -> class 2");
	ok(d.margin > 0 && d.probability > 0 && d.probability < 1, "toy: margin > 0, 0 < p < 1");
	of_svm_predict(m, far, NULL, &d);
	ok(!d.accepted, "toy: (6,6) is a stranger (distance %.2f > 0.6)", d.distance);
	{
		of_svm_thresholds off = {INFINITY, NAN, -INFINITY};

		of_svm_predict(m, far, &off, &d);
		ok(d.accepted, "toy: with every threshold disabled (6,6) is accepted");
	}
	of_svm_free(m);
}

/* liblinear orders labels by first appearance: check the sign either way */
static void
test_two_classes(void)
{
	static const float x[] = {-1.0f, -1.1f, -0.9f, 1.0f, 1.1f, 0.9f};
	static const int ya[] = {1, 1, 1, 0, 0, 0};
	static const int yb[] = {0, 0, 0, 1, 1, 1};
	of_svm_params p;
	of_error	err;
	const float neg[] = {-1.05f},
				pos[] = {0.95f};

	of_svm_params_default(&p);
	for (int t = 0; t < 2; t++)
	{
		of_svm_model *m = NULL;
		of_svm_decision d1,
					d2;
		double		sc[2];
		const int  *y = t ? yb : ya;

		ok(of_svm_train(x, y, 6, 1, 2, &p, &m, NULL, &err) == OF_OK, "2 classes (%d): trains", t);
		if (!m)
			continue;
		of_svm_predict(m, neg, NULL, &d1);
		of_svm_predict(m, pos, NULL, &d2);
		ok(d1.cls == y[0] && d2.cls == y[3], "2 classes (%d): both sides right", t);
		of_svm_scores(m, pos, sc, NULL);
		ok(sc[y[3]] > 0 && sc[y[0]] < 0, "2 classes (%d): positive score only for own class", t);
		of_svm_free(m);
	}
}

static void
test_one_exemplar(void)
{
	/* class 0 on a line: mean (1,0); with one exemplar it is (1,0) */
	static const float x[] = {0, 0, 1, 0, 2, 0, 0, 5, 0, 6};
	static const int y[] = {0, 0, 0, 1, 1};
	of_svm_params p;
	of_svm_model *m = NULL;
	of_error	err;
	of_svm_decision d;
	const float q[] = {1.0f, 0.3f};

	of_svm_params_default(&p);
	p.max_exemplars = 1;
	ok(of_svm_train(x, y, 5, 2, 2, &p, &m, NULL, &err) == OF_OK, "one exemplar: trains");
	if (!m)
		return;
	of_svm_predict(m, q, NULL, &d);
	ok(d.cls == 0 && fabs(d.distance - 0.3) < 1e-6,
	   "one exemplar: the medoid (1,0) is kept (distance %.6f)", d.distance);
	/* 1 exemplar per class: header 72 + 2x3x4 weights + 2x4 counts + 2x2x4 + 4 */
	ok(of_svm_serialized_size(m) == 72 + 24 + 8 + 16 + 4,
	   "one exemplar: serialised size %zu", of_svm_serialized_size(m));
	of_svm_free(m);
}

typedef struct faces
{
	int			nid;
	int			per;
	float	   *centres;
	float	   *x;
	int		   *y;
} faces;

static void
make_faces(faces *f, int nid, int per)
{
	f->nid = nid;
	f->per = per;
	f->centres = malloc(sizeof(float) * DIM * nid);
	f->x = malloc(sizeof(float) * DIM * nid * per);
	f->y = malloc(sizeof(int) * nid * per);
	make_centres(f->centres, nid);
	for (int i = 0; i < nid * per; i++)
	{
		f->y[i] = i % nid;
		make_sample(f->centres + f->y[i] * DIM, f->x + i * DIM);
	}
}

static void
free_faces(faces *f)
{
	free(f->centres);
	free(f->x);
	free(f->y);
}

/* Store n bytes of val at off in a copy of a serialised model, with the checksum (FNV-1a) redone. */
static of_status
load_patched(const unsigned char *blob, size_t len, size_t off, const void *val, size_t n,
			 of_error *err)
{
	unsigned char *b = malloc(len);
	uint32_t	h = 2166136261u;
	of_svm_model *m = NULL;
	of_status	st;

	memcpy(b, blob, len);
	memcpy(b + off, val, n);	/* the tests run little-endian, like the format */
	for (size_t i = 0; i + 4 < len; i++)
		h = (h ^ b[i]) * 16777619u;
	for (int i = 0; i < 4; i++)
		b[len - 4 + i] = (unsigned char) (h >> (8 * i));
	st = of_svm_deserialize(b, len, &m, err);
	ok((st == OF_OK) == (m != NULL), "patched model: a model only on success");
	of_svm_free(m);
	free(b);
	return st;
}

/* Non-finite numbers are refused where they would poison every prediction. */
static void
test_non_finite(const unsigned char *blob, size_t len, int nclass)
{
	const double nan_d = NAN;
	const float inf_f = INFINITY;
	const size_t platt_b = 40,
				min_margin = 64,
				first_exemplar = 72 + (size_t) nclass * (DIM + 1) * 4 + (size_t) nclass * 4;
	of_error	err;

	ok(load_patched(blob, len, min_margin, &nan_d, 8, &err) == OF_OK,
	   "non-finite: a NaN threshold (disabled) loads");
	ok(load_patched(blob, len, platt_b, &nan_d, 8, &err) == OF_ECORRUPT,
	   "non-finite: a NaN Platt parameter is refused (%s)", err.msg);
	ok(load_patched(blob, len, first_exemplar, &inf_f, 4, &err) == OF_ECORRUPT,
	   "non-finite: an infinite exemplar is refused (%s)", err.msg);
}

static void
test_faces(void)
{
	faces		f;
	of_svm_params p;
	of_svm_model *m = NULL,
			   *full = NULL,
			   *back = NULL;
	of_svm_train_info info;
	of_error	err;
	float		v[DIM];
	float		strangers[50 * DIM];
	int			right = 0,
				rejected = 0,
				accepted = 0,
				same = 0;
	double		maxdiff = 0,
				pk = 0,
				ps = 0;
	unsigned char *blob,
			   *blob2;
	size_t		len;

	make_faces(&f, 30, 8);
	of_svm_params_default(&p);
	ok(of_svm_train(f.x, f.y, 240, DIM, 30, &p, &m, &info, &err) == OF_OK,
	   "faces: 30 identities x 8 train");
	p.full_problem = 1;
	ok(of_svm_train(f.x, f.y, 240, DIM, 30, &p, &full, NULL, &err) == OF_OK,
	   "faces: full problem trains");
	if (!m || !full)
		return;
	unit_diag("working set: %d rounds, %zu rows (full: %d)", info.rounds, info.working_rows, 240 * 30);
	ok(info.training_accuracy == 1.0, "faces: training accuracy 1");
	make_centres(strangers, 50);
	for (int i = 0; i < 300; i++)
	{
		of_svm_decision d,
					df;
		double		s1[30],
					s2[30];

		make_sample(f.centres + (i % 30) * DIM, v);
		of_svm_predict(m, v, NULL, &d);
		of_svm_predict(full, v, NULL, &df);
		right += d.cls == i % 30;
		rejected += !d.accepted;
		same += d.cls == df.cls;
		pk += d.probability;
		of_svm_scores(m, v, s1, NULL);
		of_svm_scores(full, v, s2, NULL);
		for (int k = 0; k < 30; k++)
			if (fabs(s1[k] - s2[k]) > maxdiff)
				maxdiff = fabs(s1[k] - s2[k]);
		make_sample(strangers + (i % 50) * DIM, v);
		of_svm_predict(m, v, NULL, &d);
		accepted += d.accepted;
		ps += d.probability;
	}
	ok(right >= 297, "faces: held-out identification %d/300", right);
	ok(rejected <= 3, "faces: false rejections %d/300", rejected);
	ok(accepted <= 3, "faces: strangers accepted %d/300", accepted);
	ok(pk / 300 > 0.5 && ps / 300 < 0.5,
	   "faces: mean probability known %.3f > 0.5 > strangers %.3f", pk / 300, ps / 300);
	ok(same == 300, "faces: working set predicts like the full problem (%d/300)", same);
	/* both are within liblinear's tolerance of the same optimum */
	ok(maxdiff < 0.05, "faces: scores within 0.05 of the full problem (%.4f)", maxdiff);

	len = of_svm_serialized_size(m);
	blob = malloc(len);
	blob2 = malloc(len);
	of_svm_serialize(m, blob);
	ok(len == 72 + 30 * 129 * 4 + 30 * 4 + 240 * DIM * 4 + 4, "serialise: size %zu", len);
	ok(of_svm_deserialize(blob, len, &back, &err) == OF_OK, "deserialise: ok");
	if (back)
	{
		double		a[30],
					b[30],
					pa[30],
					pb[30];

		make_sample(f.centres, v);
		of_svm_scores(m, v, a, pa);
		of_svm_scores(back, v, b, pb);
		ok(memcmp(a, b, sizeof(a)) == 0 && memcmp(pa, pb, sizeof(pa)) == 0,
		   "deserialise: identical scores and probabilities");
		of_svm_serialize(back, blob2);
		ok(memcmp(blob, blob2, len) == 0, "deserialise: re-serialises byte for byte");
		of_svm_free(back);
		back = NULL;
	}
	{
		of_svm_model *again = NULL;

		p.full_problem = 0;
		ok(of_svm_train(f.x, f.y, 240, DIM, 30, &p, &again, NULL, &err) == OF_OK &&
		   again && of_svm_serialized_size(again) == len, "determinism: retrains");
		if (again)
		{
			of_svm_serialize(again, blob2);
			ok(memcmp(blob, blob2, len) == 0, "determinism: same bytes on retraining");
			of_svm_free(again);
		}
	}
	test_non_finite(blob, len, 30);
	blob[100] ^= 1;
	ok(of_svm_deserialize(blob, len, &back, &err) == OF_ECORRUPT && back == NULL,
	   "corrupt: a flipped bit is caught (%s)", err.msg);
	blob[100] ^= 1;
	ok(of_svm_deserialize(blob, len - 1, &back, &err) == OF_ECORRUPT, "corrupt: truncation is caught");
	ok(of_svm_deserialize(blob, 10, &back, &err) == OF_ECORRUPT, "corrupt: tiny buffer is caught");
	blob[0] ^= 0xff;
	ok(of_svm_deserialize(blob, len, &back, &err) == OF_EFORMAT, "corrupt: bad magic is a format error");
	free(blob);
	free(blob2);

	of_set_cancel_hook(cancel_hook);
	cancel_now = 1;
	of_svm_free(back);
	back = NULL;
	ok(of_svm_train(f.x, f.y, 240, DIM, 30, &p, &back, NULL, &err) == OF_ECANCELED && back == NULL,
	   "cancel: training stops with OF_ECANCELED");
	cancel_now = 0;
	of_set_cancel_hook(NULL);

	of_svm_free(m);
	of_svm_free(full);
	free_faces(&f);
}

static void
test_errors(void)
{
	static const float x[] = {0, 1, 2, 3};
	static const int y1[] = {0, 0, 0, 0};
	static const int y2[] = {0, 2, 0, 2};
	static const int y3[] = {0, 5, 0, 1};
	of_svm_params p;
	of_svm_model *m = NULL;
	of_error	err;

	of_svm_params_default(&p);
	ok(of_svm_train(x, y1, 4, 1, 1, &p, &m, NULL, &err) == OF_EINVAL && !m, "error: one class");
	ok(of_svm_train(x, y2, 4, 1, 3, &p, &m, NULL, &err) == OF_EINVAL && !m,
	   "error: a class without rows (%s)", err.msg);
	ok(of_svm_train(x, y3, 4, 1, 2, &p, &m, NULL, &err) == OF_EINVAL && !m, "error: class id out of range");
	p.C = 0;
	ok(of_svm_train(x, y2, 4, 1, 2, &p, &m, NULL, &err) == OF_EINVAL && !m, "error: C = 0");
	p.C = NAN;
	ok(of_svm_train(x, y2, 4, 1, 2, &p, &m, NULL, &err) == OF_EINVAL && !m, "error: C = NaN");
}

int
main(void)
{
	test_toy();
	test_two_classes();
	test_one_exemplar();
	test_faces();
	test_errors();
	return unit_done();
}
