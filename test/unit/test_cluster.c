/*
 * Unit tests of src/core/cluster.c: hand-checkable line and plane layouts,
 * DBSCAN against a brute-force O(n^2) reference across tile boundaries,
 * face-like synthetic identities, limits, cancellation and bad arguments.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "distance.h"
#include "facelike.h"
#include "unit.h"

#define DIM 128

static uint64_t rng_state = 777;

/* nid identities x per samples, face-like; truth[r] = identity of row r */
static float *
make_faces(int nid, int per, int *truth)
{
	float	   *x = malloc(sizeof(float) * DIM * nid * per);
	float	   *c = malloc(sizeof(float) * DIM * nid);

	facelike_centres(&rng_state, c, (size_t) nid);
	for (int r = 0; r < nid * per; r++)
	{
		int			id = r % nid;

		facelike_sample(&rng_state, c + id * DIM, FACELIKE_NOISE, x + r * DIM);
		truth[r] = id;
	}
	free(c);
	return x;
}

/* Adjusted Rand index of two labelings (noise -1 counts as one label). */
static double
ari(const int *a, const int *b, int n)
{
	int			ka = 0,
				kb = 0;
	double	   *t,
			   *ra,
			   *rb;
	double		sum = 0,
				sa = 0,
				sb = 0,
				expect,
				maxi,
				pairs = n * (n - 1) / 2.0;

	for (int i = 0; i < n; i++)
	{
		if (a[i] + 2 > ka)
			ka = a[i] + 2;
		if (b[i] + 2 > kb)
			kb = b[i] + 2;
	}
	t = calloc((size_t) ka * kb, sizeof(double));
	ra = calloc(ka, sizeof(double));
	rb = calloc(kb, sizeof(double));
	for (int i = 0; i < n; i++)
	{
		t[(a[i] + 1) * kb + b[i] + 1]++;
		ra[a[i] + 1]++;
		rb[b[i] + 1]++;
	}
	for (int i = 0; i < ka * kb; i++)
		sum += t[i] * (t[i] - 1) / 2;
	for (int i = 0; i < ka; i++)
		sa += ra[i] * (ra[i] - 1) / 2;
	for (int i = 0; i < kb; i++)
		sb += rb[i] * (rb[i] - 1) / 2;
	free(t);
	free(ra);
	free(rb);
	expect = sa * sb / pairs;
	maxi = (sa + sb) / 2;
	return maxi == expect ? 1.0 : (sum - expect) / (maxi - expect);
}

/* Brute-force DBSCAN with the same order rules, for comparison. */
static void
dbscan_reference(const float *x, int n, int dim, double eps, int minpts, int *labels)
{
	int		   *queue = malloc(sizeof(int) * n);
	char	   *core = malloc(n);
	int			cluster = 0;

	for (int i = 0; i < n; i++)
	{
		int			c = 0;

		for (int j = 0; j < n; j++)
			if ((double) of_l2_squared(x + i * dim, x + j * dim, dim) <= eps * eps)
				c++;
		core[i] = c >= minpts;
		labels[i] = -1;
	}
	for (int i = 0; i < n; i++)
	{
		int			head = 0,
					tail = 0;

		if (labels[i] >= 0 || !core[i])
			continue;
		labels[i] = cluster;
		queue[tail++] = i;
		while (head < tail)
		{
			int			p = queue[head++];

			if (!core[p])
				continue;
			for (int q = 0; q < n; q++)
				if (labels[q] < 0 && q != p &&
					(double) of_l2_squared(x + p * dim, x + q * dim, dim) <= eps * eps)
				{
					labels[q] = cluster;
					queue[tail++] = q;
				}
		}
		cluster++;
	}
	free(queue);
	free(core);
}

static int	cancel_now;

static int
cancel_hook(void)
{
	return cancel_now;
}

static void
test_line(void)
{
	/* two groups and a loner on a line (1-d) */
	static const float x[] = {0.0f, 0.1f, 0.2f, 5.0f, 5.1f, 5.2f, 10.0f};
	static const int want[] = {0, 0, 0, 1, 1, 1, -1};
	int			l[7],
				k;
	of_error	err;

	ok(of_cluster_dbscan(x, 7, 1, 0.15, 2, 0, l, &k, &err) == OF_OK && k == 2 &&
	   memcmp(l, want, sizeof(want)) == 0, "dbscan line, minpts 2: {0,0,0,1,1,1,-1}");
	/* minpts 3: only the middle rows are core; the ends join as border rows */
	ok(of_cluster_dbscan(x, 7, 1, 0.15, 3, 0, l, &k, &err) == OF_OK && k == 2 &&
	   memcmp(l, want, sizeof(want)) == 0, "dbscan line, minpts 3: ends are border rows");
	ok(of_cluster_dbscan(x, 7, 1, 0.15, 4, 0, l, &k, &err) == OF_OK && k == 0 &&
	   l[0] == -1 && l[3] == -1, "dbscan line, minpts 4: all noise");
	/* minpts 1: every row is core; the loner is a cluster of its own */
	ok(of_cluster_dbscan(x, 7, 1, 0.15, 1, 0, l, &k, &err) == OF_OK && k == 3 && l[6] == 2,
	   "dbscan line, minpts 1: loner is cluster 2");
	{
		/* distance exactly eps (0.5 is exact in float) counts as a neighbour */
		static const float y[] = {0.0f, 0.5f, 3.0f};
		int			m[3];

		ok(of_cluster_dbscan(y, 3, 1, 0.5, 2, 0, m, &k, &err) == OF_OK &&
		   m[0] == 0 && m[1] == 0 && m[2] == -1, "dbscan: distance == eps is within eps");
	}
	ok(of_cluster_chinese_whispers(x, 7, 1, 0.15, 0, 1, NULL, 0, l, &k, &err) == OF_OK && k == 3 &&
	   l[0] == 0 && l[2] == 0 && l[3] == 1 && l[5] == 1 && l[6] == 2,
	   "chinese whispers line: {0,0,0,1,1,1,2}");
	ok(of_cluster_kmeans(x, 7, 1, 3, 5, 0, 0, l, &err) == OF_OK &&
	   l[0] == 0 && l[1] == 0 && l[2] == 0 && l[3] == 1 && l[4] == 1 && l[5] == 1 && l[6] == 2,
	   "kmeans line k=3: {0,0,0,1,1,1,2}");
	ok(of_cluster_kmeans(x, 7, 1, 7, 5, 0, 0, l, &err) == OF_OK &&
	   l[0] == 0 && l[3] == 3 && l[6] == 6, "kmeans k = n: one row each, ids in row order");
	ok(of_cluster_kmeans(x, 7, 1, 1, 5, 0, 0, l, &err) == OF_OK && l[0] == 0 && l[6] == 0,
	   "kmeans k = 1: one cluster");
}

static void
test_duplicates(void)
{
	/* five equal rows, k = 3: they share one cluster, the other two stay empty */
	float		x[10];
	int			l[5],
				okay = 1;
	of_error	err;

	for (int i = 0; i < 10; i++)
		x[i] = 1.0f;
	ok(of_cluster_kmeans(x, 5, 2, 3, 9, 0, 0, l, &err) == OF_OK, "kmeans duplicates: runs");
	for (int i = 0; i < 5; i++)
		okay &= l[i] == 0;
	ok(okay, "kmeans duplicates: equal rows share cluster 0");
}

/*
 * 600 rows, 6 distinct 128-d points each repeated at scattered positions (so
 * copies fall at different places of sgemm's row blocks): every copy of a
 * point gets the same cluster, for k below, at and above the distinct count.
 */
static void
test_duplicates_blocked(void)
{
	enum
	{
		N = 600, P = 6
	};
	static float x[N * DIM];
	int			l[N];
	uint64_t	rng = 7;
	of_error	err;

	for (int p = 0; p < P; p++)
		for (int j = 0; j < DIM; j++)
		{
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			x[p * DIM + j] = (float) ((rng >> 40) & 0xffff) / 65536.0f - 0.5f;
		}
	for (int i = P; i < N; i++)
		memcpy(x + i * DIM, x + ((i * 7) % P) * DIM, sizeof(float) * DIM);
	for (int k = 3; k <= 9; k += 3)
	{
		int			okay = of_cluster_kmeans(x, N, DIM, k, 11, 0, 0, l, &err) == OF_OK;

		for (int i = 0; i < N && okay; i++)
			for (int q = 0; q < i && okay; q++)
				if (memcmp(x + i * DIM, x + q * DIM, sizeof(float) * DIM) == 0)
					okay = l[i] == l[q];
		ok(okay, "kmeans k = %d: every copy of a row in the same cluster", k);
	}
}

static void
test_reference(void)
{
	/* 4500 rows: crosses row tiles (256) and column tiles (4096) */
	int			n = 4500,
				dim = 16;
	float	   *x = malloc(sizeof(float) * n * dim);
	int		   *a = malloc(sizeof(int) * n),
			   *b = malloc(sizeof(int) * n);
	of_error	err;

	for (int i = 0; i < n * dim; i++)
		x[i] = (float) facelike_gauss(&rng_state);
	/* about 5% of pairs within 3.3 in 16-d Gaussian data */
	for (int t = 0; t < 2; t++)
	{
		double		eps = t ? 3.3 : 2.6;
		int			k = -1,
					rc;

		dbscan_reference(x, n, dim, eps, 4, a);
		rc = of_cluster_dbscan(x, n, dim, eps, 4, 0, b, &k, &err);
		ok(rc == OF_OK && memcmp(a, b, sizeof(int) * n) == 0,
		   "dbscan eps %.1f: identical to brute force over 4500 rows (%d clusters)", eps, k);
	}
	free(x);
	free(a);
	free(b);
}

static void
test_faces(void)
{
	int			nid = 60,
				per = 8,
				n = nid * per;
	int		   *truth = malloc(sizeof(int) * n);
	int		   *l = malloc(sizeof(int) * n);
	int		   *l2 = malloc(sizeof(int) * n);
	float	   *x = make_faces(nid, per, truth);
	of_error	err;
	int			k;

	int			rc;

	rc = of_cluster_dbscan(x, n, DIM, 0.6, 2, 0, l, &k, &err);
	ok(rc == OF_OK && k == nid, "faces dbscan: %d clusters for %d identities", k, nid);
	ok(ari(l, truth, n) == 1.0, "faces dbscan: ARI 1 (%.4f)", ari(l, truth, n));
	rc = of_cluster_chinese_whispers(x, n, DIM, 0.6, 0, 1, NULL, 0, l, &k, &err);
	ok(rc == OF_OK && k == nid, "faces chinese whispers: %d clusters", k);
	ok(ari(l, truth, n) == 1.0, "faces chinese whispers: ARI 1 (%.4f)", ari(l, truth, n));
	ok(of_cluster_chinese_whispers(x, n, DIM, 0.6, 0, 1, NULL, 0, l2, &k, &err) == OF_OK &&
	   memcmp(l, l2, sizeof(int) * n) == 0, "faces chinese whispers: deterministic");
	ok(of_cluster_kmeans(x, n, DIM, nid, 42, 0, 0, l, &err) == OF_OK,
	   "faces kmeans k = %d: runs", nid);
	unit_diag("kmeans ARI %.4f", ari(l, truth, n));
	ok(ari(l, truth, n) > 0.9, "faces kmeans: ARI > 0.9 (%.4f)", ari(l, truth, n));
	ok(of_cluster_kmeans(x, n, DIM, nid, 42, 0, 0, l2, &err) == OF_OK &&
	   memcmp(l, l2, sizeof(int) * n) == 0, "faces kmeans: same seed, same labels");
	/* a budget too small for the graph fails cleanly instead of growing */
	ok(of_cluster_dbscan(x, n, DIM, 2.0, 2, 64 * 1024, l, &k, &err) == OF_ELIMIT,
	   "dbscan: max_bytes enforced (%s)", err.msg);
	ok(of_cluster_dbscan(x, n, DIM, 0.6, 2, 64 * 1024, l, &k, &err) == OF_OK && k == nid,
	   "dbscan: a sparse graph fits in 64 KiB");
	of_set_cancel_hook(cancel_hook);
	cancel_now = 1;
	ok(of_cluster_dbscan(x, n, DIM, 0.6, 2, 0, l, &k, &err) == OF_ECANCELED,
	   "dbscan: cancel");
	ok(of_cluster_kmeans(x, n, DIM, 10, 1, 0, 0, l, &err) == OF_ECANCELED, "kmeans: cancel");
	ok(of_cluster_chinese_whispers(x, n, DIM, 0.6, 0, 1, NULL, 0, l, &k, &err) == OF_ECANCELED,
	   "chinese whispers: cancel");
	cancel_now = 0;
	of_set_cancel_hook(NULL);
	free(x);
	free(truth);
	free(l);
	free(l2);
}

static void
test_errors(void)
{
	static const float x[] = {0, 1, 2};
	int			l[3],
				k;
	of_error	err;

	ok(of_cluster_dbscan(x, 3, 1, -1, 2, 0, l, &k, &err) == OF_EINVAL, "dbscan: eps < 0");
	ok(of_cluster_dbscan(x, 3, 1, NAN, 2, 0, l, &k, &err) == OF_EINVAL, "dbscan: eps NaN");
	ok(of_cluster_dbscan(x, 3, 1, 1, 0, 0, l, &k, &err) == OF_EINVAL, "dbscan: minpoints 0");
	ok(of_cluster_kmeans(x, 3, 1, 4, 0, 0, 0, l, &err) == OF_EINVAL, "kmeans: k > n (%s)", err.msg);
	ok(of_cluster_kmeans(x, 3, 1, 0, 0, 0, 0, l, &err) == OF_EINVAL, "kmeans: k = 0");
	ok(of_cluster_chinese_whispers(x, 3, 1, INFINITY, 0, 0, NULL, 0, l, &k, &err) == OF_EINVAL,
	   "chinese whispers: infinite threshold");
	ok(of_cluster_dbscan(x, 0, 1, 1, 2, 0, l, &k, &err) == OF_OK && k == 0, "dbscan: no rows");
}

/*
 * Stable ids: a cluster is named by its smallest key, wherever its rows sit
 * and whatever else is added; noise is left alone; repeated keys refused.
 */
static void
test_ids_by_key(void)
{
	/* clusters 0 {rows 0, 3}, 1 {rows 1, 4}, noise row 2, 2 {row 5} */
	static const int labels[] = {0, 1, -1, 0, 1, 2};
	static const int64_t keys[] = {40, 7, 99, 12, -3, 5};
	static const int64_t dup[] = {40, 7, 40, 12, -3, 5};	/* 40 twice, once as noise */
	static const int64_t bad[] = {40, 7, 99, 40, -3, 5};
	int64_t		ids[6] = {0, 0, 111, 0, 0, 0};
	of_error	err;

	ok(of_cluster_ids_by_key(labels, keys, 6, ids, &err) == OF_OK &&
	   ids[0] == 12 && ids[3] == 12 && ids[1] == -3 && ids[4] == -3 && ids[2] == 111 && ids[5] == 5,
	   "ids: each cluster's smallest key, noise untouched");
	ok(of_cluster_ids_by_key(labels, dup, 6, ids, &err) == OF_OK,
	   "ids: a key repeated only by a noise row is fine");
	ok(of_cluster_ids_by_key(labels, bad, 6, ids, &err) == OF_EINVAL && strstr(err.msg, "40"),
	   "ids: a repeated key is refused, named (%s)", err.msg);
	memcpy(ids, keys, sizeof(ids));
	ok(of_cluster_ids_by_key(labels, ids, 6, ids, &err) == OF_OK && ids[0] == 12 && ids[4] == -3,
	   "ids: in place over the keys");
	ok(of_cluster_ids_by_key(labels, keys, 0, ids, &err) == OF_OK, "ids: no rows");
}

static void
test_shape(void)
{
	static const int labels[] = {0, 1, -1, 0, 1, 2, 0};
	static const int alone[] = {0, 1, 2};
	of_cluster_shape s;
	of_error	err;

	ok(of_cluster_shape_of(labels, 7, &s, &err) == OF_OK &&
	   s.clusters == 2 && s.singletons == 2 && s.largest == 3,
	   "shape: 2 clusters, noise and a lone row are singletons, largest 3");
	ok(of_cluster_shape_of(alone, 3, &s, &err) == OF_OK &&
	   s.clusters == 0 && s.singletons == 3 && s.largest == 1, "shape: all alone");
	ok(of_cluster_shape_of(alone, 0, &s, &err) == OF_OK &&
	   s.clusters == 0 && s.singletons == 0 && s.largest == 0, "shape: no rows");
}

int
main(void)
{
	test_line();
	test_duplicates();
	test_duplicates_blocked();
	test_reference();
	test_faces();
	test_errors();
	test_ids_by_key();
	test_shape();
	return unit_done();
}
