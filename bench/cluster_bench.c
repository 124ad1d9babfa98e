/*
 * Clustering benchmark on face-like synthetic embeddings: unit 128-d
 * vectors, random identity centres on a cone around a common direction
 * (different identities ~0.91-1.17 apart), 8 samples each (same identity
 * ~0.34-0.52 apart).
 *
 *   cluster_bench [rows ...]      default: 10000 100000
 *   cluster_bench real EMB.tsv    real descriptors (`openface embed` output,
 *                                 identity = directory): radius sweep
 *
 * For each size: DBSCAN (eps 0.5, minpoints 2), chinese whispers
 * (threshold 0.5) and k-means (k = number of identities): wall and CPU
 * time, clusters found, purity and adjusted Rand index against the true
 * identities (DBSCAN noise rows count as clusters of one).  A run still
 * going after 60 s is cancelled through the core's cancellation hook and
 * reported as skipped.  OPENBLAS_NUM_THREADS=1 matches a backend's default
 * (openface.threads = 1).
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "distance.h"
#include "facelike.h"
#include "real_faces.h"
#include "timing.h"

#define DIM 128
#define PER 8

static uint64_t rng_state = 2024;

static float *
make_faces(size_t n, int *truth)
{
	size_t		nid = n / PER;
	float	   *x = malloc(sizeof(float) * DIM * n);
	float	   *c = malloc(sizeof(float) * DIM * nid);

	facelike_centres(&rng_state, c, nid);
	/* rows in random identity order, as a table would hold them */
	for (size_t r = 0; r < n; r++)
		truth[r] = (int) (r % nid);
	for (size_t r = n - 1; r > 0; r--)
	{
		size_t		j = facelike_next(&rng_state) % (r + 1);
		int			t = truth[r];

		truth[r] = truth[j];
		truth[j] = t;
	}
	for (size_t r = 0; r < n; r++)
		facelike_sample(&rng_state, c + (size_t) truth[r] * DIM, FACELIKE_NOISE, x + r * DIM);
	free(c);
	return x;
}

static double deadline;

static int
past_deadline(void)
{
	return of_wall_ms() > deadline;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

/*
 * Purity and adjusted Rand index of pred against truth; noise (-1) rows get
 * clusters of their own.  The contingency table is sparse: count sorted
 * (pred, truth) pairs.
 */
static void
quality(const int *pred, const int *truth, size_t n, double *purity, double *ari)
{
	uint64_t   *key = malloc(sizeof(uint64_t) * n);
	int		   *p = malloc(sizeof(int) * n);
	size_t		np = 0,
				nt = 0;
	double	   *rows,
			   *cols;
	double		sum_ij = 0,
				sum_a = 0,
				sum_b = 0,
				expect,
				maxi,
				pairs = (double) n * (n - 1) / 2;
	size_t		pure = 0;

	for (size_t i = 0; i < n; i++)
		if (pred[i] >= 0 && (size_t) pred[i] + 1 > np)
			np = (size_t) pred[i] + 1;
	for (size_t i = 0; i < n; i++)
	{
		p[i] = pred[i] >= 0 ? pred[i] : (int) np++;
		if ((size_t) truth[i] + 1 > nt)
			nt = (size_t) truth[i] + 1;
	}
	rows = calloc(np, sizeof(double));
	cols = calloc(nt, sizeof(double));
	for (size_t i = 0; i < n; i++)
	{
		key[i] = ((uint64_t) p[i] << 32) | (uint32_t) truth[i];
		rows[p[i]]++;
		cols[truth[i]]++;
	}
	qsort(key, n, sizeof(uint64_t), cmp_u64);
	{
		size_t		i = 0;
		size_t		best = 0;
		uint64_t	cur_row = key[0] >> 32;

		while (i < n)
		{
			size_t		j = i;

			while (j < n && key[j] == key[i])
				j++;
			if ((key[i] >> 32) != cur_row)
			{
				pure += best;
				best = 0;
				cur_row = key[i] >> 32;
			}
			if (j - i > best)
				best = j - i;
			sum_ij += (double) (j - i) * (j - i - 1) / 2;
			i = j;
		}
		pure += best;
	}
	for (size_t i = 0; i < np; i++)
		sum_a += rows[i] * (rows[i] - 1) / 2;
	for (size_t i = 0; i < nt; i++)
		sum_b += cols[i] * (cols[i] - 1) / 2;
	expect = sum_a * sum_b / pairs;
	maxi = (sum_a + sum_b) / 2;
	*purity = (double) pure / n;
	*ari = maxi == expect ? 1.0 : (sum_ij - expect) / (maxi - expect);
	free(key);
	free(p);
	free(rows);
	free(cols);
}

static void
report(const char *algo, size_t n, of_status rc, const of_error *err, double ms, double cpu,
	   const int *labels, const int *truth)
{
	double		purity,
				ari;
	size_t		noise = 0;
	int			k = 0;

	if (rc == OF_ECANCELED)
	{
		printf("%-18s %8zu   skipped: cancelled after 60 s\n", algo, n);
		return;
	}
	if (rc != OF_OK)
	{
		printf("%-18s %8zu   failed: %s\n", algo, n, err->msg);
		return;
	}
	for (size_t i = 0; i < n; i++)
	{
		if (labels[i] < 0)
			noise++;
		if (labels[i] + 1 > k)
			k = labels[i] + 1;
	}
	quality(labels, truth, n, &purity, &ari);
	printf("%-18s %8zu %10.0f %10.0f %9d %8zu %8.4f %8.4f\n", algo, n, ms, cpu, k, noise,
		   purity, ari);
	fflush(stdout);
}

/* ---------------------------------------------------------------- real data */

/* All three algorithms over a radius sweep on real descriptors. */
static int
real_quality(const char *path)
{
	real_set	rs;
	int		   *labels;
	static const double radius[] = {0.4, 0.45, 0.5, 0.55, 0.6, 0.65};
	of_error	err = {0};

	if (read_real(path, &rs) != 0)
	{
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	labels = malloc(sizeof(int) * rs.n);
	printf("# %s: %zu faces of %d identities\n", path, rs.n, rs.nid);
	printf("%-18s %8s %10s %10s %9s %8s %8s %8s\n", "algorithm", "rows", "wall_ms", "cpu_ms",
		   "clusters", "noise", "purity", "ARI");
	for (size_t r = 0; r < sizeof(radius) / sizeof(radius[0]); r++)
	{
		char		name[64];
		double		t0 = of_wall_ms(),
					c0 = of_process_cpu_ms();
		of_status	rc = of_cluster_dbscan(rs.x, rs.n, DIM, radius[r], 2, 0, labels, NULL, &err);

		snprintf(name, sizeof(name), "dbscan eps=%.2f", radius[r]);
		report(name, rs.n, rc, &err, of_wall_ms() - t0, of_process_cpu_ms() - c0, labels, rs.y);
	}
	for (size_t r = 0; r < sizeof(radius) / sizeof(radius[0]); r++)
	{
		char		name[64];
		double		t0 = of_wall_ms(),
					c0 = of_process_cpu_ms();
		of_status	rc = of_cluster_chinese_whispers(rs.x, rs.n, DIM, radius[r], 0, 1, NULL, 0, labels,
													 NULL, &err);

		snprintf(name, sizeof(name), "whispers t=%.2f", radius[r]);
		report(name, rs.n, rc, &err, of_wall_ms() - t0, of_process_cpu_ms() - c0, labels, rs.y);
	}
	{
		double		t0 = of_wall_ms(),
					c0 = of_process_cpu_ms();
		of_status	rc = of_cluster_kmeans(rs.x, rs.n, DIM, rs.nid, 7, 0, 0, labels, &err);

		report("kmeans k=true", rs.n, rc, &err, of_wall_ms() - t0, of_process_cpu_ms() - c0, labels, rs.y);
	}
	free(labels);
	free_real(&rs);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t		sizes[8] = {10000, 100000};
	int			nsizes = 2;

	if (argc > 2 && strcmp(argv[1], "real") == 0)
		return real_quality(argv[2]);
	if (argc > 1)
	{
		nsizes = 0;
		for (int i = 1; i < argc && nsizes < 8; i++)
			sizes[nsizes++] = (size_t) strtoull(argv[i], NULL, 10);
	}
	printf("# distance kernels: %s; face-like data, %d samples per identity\n",
		   of_distance_isa(), PER);
	printf("%-18s %8s %10s %10s %9s %8s %8s %8s\n", "algorithm", "rows", "wall_ms", "cpu_ms",
		   "clusters", "noise", "purity", "ARI");
	of_set_cancel_hook(past_deadline);
	for (int s = 0; s < nsizes; s++)
	{
		size_t		n = sizes[s];
		int		   *truth = malloc(sizeof(int) * n);
		int		   *labels = malloc(sizeof(int) * n);
		float	   *x = make_faces(n, truth);
		of_error	err = {0};
		of_status	rc;
		double		t0,
					c0;

		{
			/* the distances the header promises, on a sample of pairs */
			double		smin = 9,
						smax = 0,
						dmin = 9,
						dmax = 0;

			for (size_t i = 0; i < 2000 && i < n; i++)
				for (size_t j = i + 1; j < 2000 && j < n; j++)
				{
					double		d = of_l2_distance(x + i * DIM, x + j * DIM, DIM);

					if (truth[i] == truth[j])
					{
						smin = d < smin ? d : smin;
						smax = d > smax ? d : smax;
					}
					else
					{
						dmin = d < dmin ? d : dmin;
						dmax = d > dmax ? d : dmax;
					}
				}
			printf("# %zu rows: same identity %.2f-%.2f apart, different %.2f-%.2f (first 2000 rows)\n",
				   n, smin, smax, dmin, dmax);
		}

		t0 = of_wall_ms();
		c0 = of_process_cpu_ms();
		deadline = t0 + 60000;
		rc = of_cluster_dbscan(x, n, DIM, 0.5, 2, 0, labels, NULL, &err);
		report("dbscan eps=0.5", n, rc, &err, of_wall_ms() - t0, of_process_cpu_ms() - c0, labels, truth);

		t0 = of_wall_ms();
		c0 = of_process_cpu_ms();
		deadline = t0 + 60000;
		rc = of_cluster_chinese_whispers(x, n, DIM, 0.5, 0, 1, NULL, 0, labels, NULL, &err);
		report("whispers t=0.5", n, rc, &err, of_wall_ms() - t0, of_process_cpu_ms() - c0, labels, truth);

		t0 = of_wall_ms();
		c0 = of_process_cpu_ms();
		deadline = t0 + 60000;
		rc = of_cluster_kmeans(x, n, DIM, (int) (n / PER), 7, 0, 0, labels, &err);
		report("kmeans k=n/8", n, rc, &err, of_wall_ms() - t0, of_process_cpu_ms() - c0, labels, truth);

		if (n > 10000)
		{
			t0 = of_wall_ms();
			c0 = of_process_cpu_ms();
			deadline = t0 + 60000;
			rc = of_cluster_kmeans(x, n, DIM, 100, 7, 0, 0, labels, &err);
			report("kmeans k=100", n, rc, &err, of_wall_ms() - t0, of_process_cpu_ms() - c0, labels, truth);
		}
		free(x);
		free(truth);
		free(labels);
	}
	return 0;
}
