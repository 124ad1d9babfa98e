#include "cluster.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "distance.h"

#define TILE_ROWS	256
#define TILE_COLS	4096
#define KM_ROWS		256
#define KM_COLS		4096
/*
 * sgemm's rounding depends on where a row falls in its block, so equal rows
 * can see near-equal centroids in different order: candidates within this
 * relative margin of the best are compared again with the exact kernel.
 */
#define KM_TIE_MARGIN 1e-4f

/* uniform in [0, 1) with 53 bits */
static double
rng_unit(uint64_t *s)
{
	return (double) (of_rng_next(s) >> 11) / 9007199254740992.0;
}

/* uniform in [0, n) without modulo bias */
static size_t
rng_below(uint64_t *s, size_t n)
{
	uint64_t	lim = UINT64_MAX - UINT64_MAX % n;
	uint64_t	v;

	do
		v = of_rng_next(s);
	while (v >= lim);
	return (size_t) (v % n);
}

static void
row_norms(const float *x, size_t n, size_t dim, float *norm)
{
	for (size_t i = 0; i < n; i++)
		norm[i] = of_dot(x + i * dim, x + i * dim, dim);
}

/* Renumber labels densely by first appearance; negative labels stay. */
static int
relabel(int *labels, size_t n, int *map, size_t nmap)
{
	int			next = 0;

	for (size_t i = 0; i < nmap; i++)
		map[i] = -1;
	for (size_t i = 0; i < n; i++)
	{
		int			l = labels[i];

		if (l < 0)
			continue;
		if (map[l] < 0)
			map[l] = next++;
		labels[i] = map[l];
	}
	return next;
}

/* ---------------------------------------------------------------- radius graph */

typedef struct graph
{
	size_t	   *start;			/* n + 1 */
	uint32_t   *adj;
} graph;

static void
graph_free(graph *g)
{
	free(g->start);
	free(g->adj);
	g->start = NULL;
	g->adj = NULL;
}

typedef struct pair_list
{
	uint32_t   *v;				/* i0, j0, i1, j1, ... */
	size_t		len;			/* pairs */
	size_t		cap;
} pair_list;

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a,
				y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

/*
 * Pairs that fit in max_bytes (0: no limit): at its peak the graph holds
 * the pair list and the adjacency, 16 bytes per pair, plus n + 1 offsets.
 */
static size_t
pairs_within(size_t n, size_t max_bytes)
{
	size_t		fixed = (n + 1) * sizeof(size_t);

	if (max_bytes == 0)
		return SIZE_MAX / (4 * sizeof(uint32_t));
	return max_bytes > fixed ? (max_bytes - fixed) / (4 * sizeof(uint32_t)) : 0;
}

/*
 * All pairs within radius r, as a CSR adjacency with sorted lists.  Tiles of
 * TILE_ROWS x TILE_COLS over the upper triangle (each pair once).
 */
static of_status
radius_graph(const float *x, size_t n, size_t dim, double r, size_t max_bytes,
			 graph *g, of_error *err)
{
	float	   *norm = NULL,
			   *tile = NULL;
	pair_list	pl = {NULL, 0, 0};
	double		r2 = r * r;
	size_t		max_pairs = pairs_within(n, max_bytes);
	float		maxnorm = 0;
	of_status	rc = OF_OK;

	g->start = NULL;
	g->adj = NULL;
	if (n >= UINT32_MAX)
		return of_fail(err, OF_ELIMIT, "too many rows to cluster (%zu)", n);
	norm = malloc(sizeof(float) * (n ? n : 1));
	tile = malloc(sizeof(float) * TILE_ROWS * TILE_COLS);
	g->start = calloc(n + 1, sizeof(size_t));
	if (!norm || !tile || !g->start)
	{
		rc = of_fail(err, OF_ENOMEM, "out of memory for the distance tiles");
		goto done;
	}
	row_norms(x, n, dim, norm);
	for (size_t i = 0; i < n; i++)
		if (norm[i] > maxnorm)
			maxnorm = norm[i];
	for (size_t i0 = 0; i0 < n; i0 += TILE_ROWS)
	{
		size_t		rows = n - i0 < TILE_ROWS ? n - i0 : TILE_ROWS;

		for (size_t j0 = i0; j0 < n; j0 += TILE_COLS)
		{
			size_t		cols = n - j0 < TILE_COLS ? n - j0 : TILE_COLS;

			if (of_cancelled())
			{
				rc = of_fail(err, OF_ECANCELED, "clustering canceled");
				goto done;
			}
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) cols,
						(int) dim, 1.0f, x + i0 * dim, (int) dim, x + j0 * dim, (int) dim,
						0.0f, tile, (int) cols);
			for (size_t a = 0; a < rows; a++)
			{
				size_t		i = i0 + a;
				const float *t = tile + a * cols;
				const float *nj = norm + j0;
				size_t		bstart = i + 1 > j0 ? i + 1 - j0 : 0;
				float		ni = norm[i];

				/*
				 * sgemm's error on a.b is below 128 ulp of |a||b|, < 1e-5
				 * (|a|^2 + |b|^2); pairs within twice that of the radius are
				 * recomputed exactly.
				 */
				float		slack = 2e-5f * (ni + maxnorm) + 1e-12f;
				float		hi = (float) r2 + slack,
							lo = (float) r2 - slack;

				for (size_t b = bstart; b < cols; b++)
				{
					size_t		j = j0 + b;
					float		d2 = ni + nj[b] - 2.0f * t[b];

					if (d2 > hi)
						continue;
					if (d2 >= lo &&
						(double) of_l2_squared(x + i * dim, x + j * dim, dim) > r2)
						continue;
					if (pl.len == pl.cap)
					{
						size_t		cap = pl.cap ? 2 * pl.cap : 4096;
						uint32_t   *v;

						if (cap > max_pairs)
							cap = max_pairs;
						if (pl.len >= cap)
						{
							rc = of_fail(err, OF_ELIMIT,
										 "the neighbour graph needs more than %zu bytes "
										 "(%zu pairs so far)", max_bytes, pl.len);
							goto done;
						}
						v = realloc(pl.v, sizeof(uint32_t) * 2 * cap);
						if (v == NULL)
						{
							rc = of_fail(err, OF_ENOMEM, "out of memory for %zu neighbour pairs", cap);
							goto done;
						}
						pl.v = v;
						pl.cap = cap;
					}
					pl.v[2 * pl.len] = (uint32_t) i;
					pl.v[2 * pl.len + 1] = (uint32_t) j;
					pl.len++;
					g->start[i + 1]++;
					g->start[j + 1]++;
				}
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		g->start[i + 1] += g->start[i];
	g->adj = malloc(sizeof(uint32_t) * (pl.len ? 2 * pl.len : 1));
	if (g->adj == NULL)
	{
		rc = of_fail(err, OF_ENOMEM, "out of memory for %zu neighbour pairs", pl.len);
		goto done;
	}
	{
		/* fill using start[] as cursors, then shift them back */
		for (size_t p = 0; p < pl.len; p++)
		{
			uint32_t	i = pl.v[2 * p],
						j = pl.v[2 * p + 1];

			g->adj[g->start[i]++] = j;
			g->adj[g->start[j]++] = i;
		}
		for (size_t i = n; i > 0; i--)
			g->start[i] = g->start[i - 1];
		g->start[0] = 0;
		for (size_t i = 0; i < n; i++)
			qsort(g->adj + g->start[i], g->start[i + 1] - g->start[i], sizeof(uint32_t), cmp_u32);
	}
done:
	free(norm);
	free(tile);
	free(pl.v);
	if (rc != OF_OK)
		graph_free(g);
	return rc;
}

/* ---------------------------------------------------------------- DBSCAN */

of_status
of_cluster_dbscan(const float *x, size_t n, size_t dim, double eps, int minpts,
				  size_t max_bytes, int *labels, int *nclusters, of_error *err)
{
	graph		g;
	uint32_t   *queue;
	int			cluster = 0;
	of_status	rc;

	if (nclusters)
		*nclusters = 0;
	if (!(eps >= 0) || !isfinite(eps))
		return of_fail(err, OF_EINVAL, "eps must be >= 0 and finite, got %g", eps);
	if (minpts < 1)
		return of_fail(err, OF_EINVAL, "minpoints must be >= 1, got %d", minpts);
	if (n == 0)
		return OF_OK;
	rc = radius_graph(x, n, dim, eps, max_bytes, &g, err);
	if (rc != OF_OK)
		return rc;
	queue = malloc(sizeof(uint32_t) * n);
	if (queue == NULL)
	{
		graph_free(&g);
		return of_fail(err, OF_ENOMEM, "out of memory for DBSCAN");
	}
	for (size_t i = 0; i < n; i++)
		labels[i] = -1;
	for (size_t i = 0; i < n; i++)
	{
		size_t		head = 0,
					tail = 0;

		if (labels[i] >= 0 || g.start[i + 1] - g.start[i] + 1 < (size_t) minpts)
			continue;
		if ((i & 1023) == 0 && of_cancelled())
		{
			free(queue);
			graph_free(&g);
			return of_fail(err, OF_ECANCELED, "clustering canceled");
		}
		labels[i] = cluster;
		queue[tail++] = (uint32_t) i;
		while (head < tail)
		{
			uint32_t	p = queue[head++];

			if (g.start[p + 1] - g.start[p] + 1 < (size_t) minpts)
				continue;		/* border row: reached, does not expand */
			for (size_t e = g.start[p]; e < g.start[p + 1]; e++)
			{
				uint32_t	q = g.adj[e];

				if (labels[q] < 0)
				{
					labels[q] = cluster;
					queue[tail++] = q;
				}
			}
		}
		cluster++;
	}
	free(queue);
	graph_free(&g);
	if (nclusters)
		*nclusters = cluster;
	return OF_OK;
}

/* ---------------------------------------------------------------- k-means */

typedef struct km_state
{
	float	   *cent;			/* k x dim */
	double	   *sum;			/* k x dim */
	float	   *cnorm;			/* k */
	float	   *xnorm;			/* n */
	float	   *tile;			/* KM_ROWS x k */
	double	   *d2;				/* n: distance to own centroid / seeding */
	size_t	   *count;			/* k */
	int		   *map;			/* k */
	float	   *cand;			/* 64 x dim seeding candidates */
	double	   *pot;			/* 64 */
} km_state;

static void
km_free(km_state *s)
{
	free(s->cent);
	free(s->sum);
	free(s->cnorm);
	free(s->xnorm);
	free(s->tile);
	free(s->d2);
	free(s->count);
	free(s->map);
	free(s->cand);
	free(s->pot);
}

/* One row by D^2 sampling: probability proportional to d2[i]. */
static size_t
km_sample(const double *d2, size_t n, double total, uint64_t *rng)
{
	double		u = rng_unit(rng) * total,
				acc = 0;

	for (size_t i = 0; i < n; i++)
	{
		acc += d2[i];
		if (d2[i] > 0 && acc > u)
			return i;
	}
	/* rounding left u past the end: the last row with mass */
	for (size_t i = n; i-- > 0;)
		if (d2[i] > 0)
			return i;
	return n;					/* no mass left: every row is a centre */
}

/*
 * Greedy k-means++ (as in Arthur & Vassilvitskii's paper and scikit-learn):
 * each step samples 2 + ln k candidates by D^2 and keeps the one that
 * lowers the total squared distance most; plain k-means++ often seeds two
 * centres in one tight identity and none in another.  Candidate distances
 * come from sgemm in column blocks.
 */
static of_status
km_seed(km_state *s, const float *x, size_t n, size_t dim, size_t k,
		uint64_t *rng, of_error *err)
{
	size_t		ncand = 2 + (size_t) log((double) k);
	size_t		cand[64];
	size_t		c = rng_below(rng, n);

	if (ncand > 64)
		ncand = 64;
	memcpy(s->cent, x + c * dim, sizeof(float) * dim);
	for (size_t i = 0; i < n; i++)
		s->d2[i] = of_l2_squared(x + i * dim, s->cent, dim);
	for (size_t m = 1; m < k; m++)
	{
		double		total = 0,
					best_pot = INFINITY;
		size_t		best = 0,
					nc = 0;

		if (of_cancelled())
			return of_fail(err, OF_ECANCELED, "clustering canceled");
		for (size_t i = 0; i < n; i++)
			total += s->d2[i];
		for (size_t t = 0; t < ncand; t++)
		{
			size_t		r = km_sample(s->d2, n, total, rng);

			if (r < n)
				cand[nc++] = r;
		}
		if (nc == 0)
		{
			/* every row coincides with a centre: duplicates; any row will do */
			memcpy(s->cent + m * dim, x + m * dim, sizeof(float) * dim);
			continue;
		}
		/* candidate rows as a small matrix, then their potentials */
		for (size_t t = 0; t < nc; t++)
			memcpy(s->cand + t * dim, x + cand[t] * dim, sizeof(float) * dim);
		for (size_t t = 0; t < nc; t++)
			s->pot[t] = 0;
		for (size_t j0 = 0; j0 < n; j0 += KM_COLS)
		{
			size_t		cols = n - j0 < KM_COLS ? n - j0 : KM_COLS;

			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) nc, (int) cols,
						(int) dim, 1.0f, s->cand, (int) dim, x + j0 * dim, (int) dim,
						0.0f, s->tile, (int) cols);
			for (size_t t = 0; t < nc; t++)
			{
				double		cn = s->xnorm[cand[t]];
				double		pot = 0;

				for (size_t b = 0; b < cols; b++)
				{
					double		d = cn + s->xnorm[j0 + b] - 2.0 * s->tile[t * cols + b];

					if (d < 0)
						d = 0;
					pot += d < s->d2[j0 + b] ? d : s->d2[j0 + b];
				}
				s->pot[t] += pot;
			}
		}
		for (size_t t = 0; t < nc; t++)
			if (s->pot[t] < best_pot)
			{
				best_pot = s->pot[t];
				best = t;
			}
		memcpy(s->cent + m * dim, s->cand + best * dim, sizeof(float) * dim);
		for (size_t i = 0; i < n; i++)
		{
			double		d = of_l2_squared(x + i * dim, s->cent + m * dim, dim);

			if (d < s->d2[i])
				s->d2[i] = d;
		}
	}
	return OF_OK;
}

/* Assign every row to its nearest centroid; returns rows that moved. */
static size_t
km_assign(km_state *s, const float *x, size_t n, size_t dim, size_t k, int *labels)
{
	size_t		moved = 0;

	for (size_t c = 0; c < k; c++)
		s->cnorm[c] = of_dot(s->cent + c * dim, s->cent + c * dim, dim);
	for (size_t i0 = 0; i0 < n; i0 += KM_ROWS)
	{
		size_t		rows = n - i0 < KM_ROWS ? n - i0 : KM_ROWS;

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) k, (int) dim,
					1.0f, x + i0 * dim, (int) dim, s->cent, (int) dim, 0.0f, s->tile, (int) k);
		for (size_t a = 0; a < rows; a++)
		{
			const float *t = s->tile + a * k;
			const float *xi = x + (i0 + a) * dim;
			size_t		best = 0;
			float		bd = s->cnorm[0] - 2.0f * t[0];
			float		margin;
			double		exact = INFINITY;

			for (size_t c = 1; c < k; c++)
			{
				float		d = s->cnorm[c] - 2.0f * t[c];

				if (d < bd)
				{
					bd = d;
					best = c;
				}
			}
			/* equal rows must land in the same cluster: settle near-ties exactly */
			margin = KM_TIE_MARGIN * (s->xnorm[i0 + a] + fabsf(bd) + 1.0f);
			for (size_t c = 0; c < k; c++)
				if (s->cnorm[c] - 2.0f * t[c] <= bd + margin)
				{
					double		d = of_l2_squared(xi, s->cent + c * dim, dim);

					if (d < exact)
					{
						exact = d;
						best = c;
					}
				}
			if (labels[i0 + a] != (int) best)
			{
				labels[i0 + a] = (int) best;
				moved++;
			}
			s->d2[i0 + a] = exact;
		}
	}
	return moved;
}

/* New centroids; an empty cluster takes the worst-fitting movable row. */
static void
km_update(km_state *s, const float *x, size_t n, size_t dim, size_t k, int *labels)
{
	memset(s->sum, 0, sizeof(double) * k * dim);
	memset(s->count, 0, sizeof(size_t) * k);
	for (size_t i = 0; i < n; i++)
	{
		double	   *sum = s->sum + (size_t) labels[i] * dim;

		for (size_t j = 0; j < dim; j++)
			sum[j] += x[i * dim + j];
		s->count[labels[i]]++;
	}
	for (size_t c = 0; c < k; c++)
	{
		size_t		far = n;
		double		fd = 0;
		int			from;

		if (s->count[c] > 0)
			continue;
		/* a row off its centroid: its cluster keeps the rows that are not equal to it */
		for (size_t i = 0; i < n; i++)
			if (s->count[labels[i]] > 1 && s->d2[i] > fd)
			{
				fd = s->d2[i];
				far = i;
			}
		if (far == n)
			continue;			/* fewer distinct rows than k: c stays empty */
		from = labels[far];
		for (size_t i = 0; i < n; i++)
			if (labels[i] == from && memcmp(x + i * dim, x + far * dim, sizeof(float) * dim) == 0)
			{
				for (size_t j = 0; j < dim; j++)
				{
					s->sum[(size_t) from * dim + j] -= x[i * dim + j];
					s->sum[c * dim + j] += x[i * dim + j];
				}
				s->count[from]--;
				s->count[c]++;
				labels[i] = (int) c;
				s->d2[i] = 0;
			}
	}
	for (size_t c = 0; c < k; c++)
		if (s->count[c] > 0)
			for (size_t j = 0; j < dim; j++)
				s->cent[c * dim + j] = (float) (s->sum[c * dim + j] / (double) s->count[c]);
}

/* One seeding + Lloyd run; *inertia = sum of squared distances. */
static of_status
km_run(km_state *s, const float *x, size_t n, size_t dim, size_t k, uint64_t seed,
	   int max_iter, int *labels, double *inertia, of_error *err)
{
	uint64_t	rng = seed;
	of_status	rc = km_seed(s, x, n, dim, k, &rng, err);

	if (rc != OF_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		labels[i] = -1;
	for (int it = 0; it < max_iter; it++)
	{
		if (of_cancelled())
			return of_fail(err, OF_ECANCELED, "clustering canceled");
		if (km_assign(s, x, n, dim, k, labels) == 0 && it > 0)
			break;
		km_update(s, x, n, dim, k, labels);
	}
	*inertia = 0;
	for (size_t i = 0; i < n; i++)
		*inertia += s->d2[i];
	return OF_OK;
}

of_status
of_cluster_kmeans(const float *x, size_t n, size_t dim, int k, uint64_t seed,
				  int max_iter, int runs, int *labels, of_error *err)
{
	km_state	s;
	size_t		K = (size_t) k;
	int		   *cur;
	double		best = INFINITY;

	memset(&s, 0, sizeof(s));
	if (k < 1)
		return of_fail(err, OF_EINVAL, "k must be >= 1, got %d", k);
	if (K > n)
		return of_fail(err, OF_EINVAL, "k (%d) is larger than the number of rows (%zu)", k, n);
	if (max_iter <= 0)
		max_iter = 100;
	if (runs <= 0)
		runs = 3;
	s.cent = malloc(sizeof(float) * K * dim);
	s.sum = malloc(sizeof(double) * K * dim);
	s.cnorm = malloc(sizeof(float) * K);
	s.xnorm = malloc(sizeof(float) * n);
	/* the tile serves assignment (KM_ROWS x k) and seeding (64 x KM_COLS) */
	s.tile = malloc(sizeof(float) * (KM_ROWS * K > 64 * KM_COLS ? KM_ROWS * K : 64 * KM_COLS));
	s.cand = malloc(sizeof(float) * 64 * dim);
	s.pot = malloc(sizeof(double) * 64);
	s.d2 = malloc(sizeof(double) * n);
	s.count = malloc(sizeof(size_t) * K);
	s.map = malloc(sizeof(int) * K);
	cur = malloc(sizeof(int) * n);
	if (!s.cent || !s.sum || !s.cnorm || !s.xnorm || !s.tile || !s.d2 || !s.count || !s.map ||
		!s.cand || !s.pot || !cur)
	{
		km_free(&s);
		free(cur);
		return of_fail(err, OF_ENOMEM, "out of memory for k-means with k = %d", k);
	}
	row_norms(x, n, dim, s.xnorm);
	for (int r = 0; r < runs; r++)
	{
		double		inertia = INFINITY;
		of_status	rc = km_run(&s, x, n, dim, K, seed + (uint64_t) r * OF_SPLITMIX_GAMMA,
								max_iter, cur, &inertia, err);

		if (rc != OF_OK)
		{
			km_free(&s);
			free(cur);
			return rc;
		}
		if (inertia < best)
		{
			best = inertia;
			memcpy(labels, cur, sizeof(int) * n);
		}
	}
	relabel(labels, n, s.map, K);
	km_free(&s);
	free(cur);
	return OF_OK;
}

/* ---------------------------------------------------------------- chinese whispers */

/* A row's place in one round's visiting order. */
typedef struct cw_place
{
	uint64_t	rank;
	uint32_t	row;
} cw_place;

static int
cmp_place(const void *a, const void *b)
{
	const cw_place *x = a,
			   *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

of_status
of_cluster_chinese_whispers(const float *x, size_t n, size_t dim, double threshold,
							int iterations, uint64_t seed, const int64_t *keys,
							size_t max_bytes, int *labels, int *nclusters, of_error *err)
{
	graph		g;
	cw_place   *order = NULL;
	uint32_t   *count = NULL;
	uint32_t   *touched = NULL;
	int		   *map = NULL;
	of_status	rc;

	if (nclusters)
		*nclusters = 0;
	if (!(threshold >= 0) || !isfinite(threshold))
		return of_fail(err, OF_EINVAL, "threshold must be >= 0 and finite, got %g", threshold);
	if (iterations <= 0)
		iterations = 100;
	if (n == 0)
		return OF_OK;
	rc = radius_graph(x, n, dim, threshold, max_bytes, &g, err);
	if (rc != OF_OK)
		return rc;
	order = malloc(sizeof(cw_place) * n);
	count = calloc(n, sizeof(uint32_t));
	touched = malloc(sizeof(uint32_t) * n);
	map = malloc(sizeof(int) * n);
	if (!order || !count || !touched || !map)
	{
		rc = of_fail(err, OF_ENOMEM, "out of memory for chinese whispers");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		labels[i] = (int) i;
	for (int it = 0; it < iterations; it++)
	{
		size_t		changed = 0;
		uint64_t	round = of_splitmix64(seed + (uint64_t) it * OF_SPLITMIX_GAMMA);

		if (of_cancelled())
		{
			rc = of_fail(err, OF_ECANCELED, "clustering canceled");
			goto done;
		}
		/* a row's place hangs on its own key: others' keys cannot move it */
		for (size_t i = 0; i < n; i++)
		{
			order[i].rank = of_splitmix64((keys ? (uint64_t) keys[i] : (uint64_t) i) ^ round);
			order[i].row = (uint32_t) i;
		}
		qsort(order, n, sizeof(cw_place), cmp_place);
		for (size_t o = 0; o < n; o++)
		{
			uint32_t	p = order[o].row;
			size_t		nt = 0;
			uint32_t	best_count = 0;
			int			best = labels[p];

			if (g.start[p + 1] == g.start[p])
				continue;
			for (size_t e = g.start[p]; e < g.start[p + 1]; e++)
			{
				int			l = labels[g.adj[e]];

				if (count[l]++ == 0)
					touched[nt++] = (uint32_t) l;
			}
			for (size_t t = 0; t < nt; t++)
			{
				uint32_t	l = touched[t];

				if (count[l] > best_count || (count[l] == best_count && (int) l < best))
				{
					best_count = count[l];
					best = (int) l;
				}
				count[l] = 0;
			}
			if (best != labels[p])
			{
				labels[p] = best;
				changed++;
			}
		}
		if (changed == 0)
			break;
	}
	{
		int			k = relabel(labels, n, map, n);

		if (nclusters)
			*nclusters = k;
	}
done:
	free(order);
	free(count);
	free(touched);
	free(map);
	graph_free(&g);
	return rc;
}

/* ---------------------------------------------------------------- ids, shape */

static int
cmp_int64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a,
				y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

of_status
of_cluster_ids_by_key(const int *labels, const int64_t *keys, size_t n,
					  int64_t *ids, of_error *err)
{
	int64_t    *sorted;
	int64_t    *least;
	unsigned char *seen;
	size_t		m = 0;
	int			k = 0;
	of_status	rc = OF_OK;

	for (size_t i = 0; i < n; i++)
		if (labels[i] >= k)
			k = labels[i] + 1;
	sorted = malloc(sizeof(int64_t) * (n ? n : 1));
	least = malloc(sizeof(int64_t) * (k ? k : 1));
	seen = calloc(k ? k : 1, 1);
	if (!sorted || !least || !seen)
	{
		rc = of_fail(err, OF_ENOMEM, "out of memory for cluster ids");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (labels[i] >= 0)
			sorted[m++] = keys[i];
	qsort(sorted, m, sizeof(int64_t), cmp_int64);
	for (size_t i = 1; i < m; i++)
		if (sorted[i] == sorted[i - 1])
		{
			rc = of_fail(err, OF_EINVAL, "key %lld occurs more than once",
						 (long long) sorted[i]);
			goto done;
		}
	for (size_t i = 0; i < n; i++)
	{
		int			l = labels[i];

		if (l < 0)
			continue;
		if (!seen[l] || keys[i] < least[l])
			least[l] = keys[i];
		seen[l] = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (labels[i] >= 0)
			ids[i] = least[labels[i]];
done:
	free(sorted);
	free(least);
	free(seen);
	return rc;
}

of_status
of_cluster_shape_of(const int *labels, size_t n, of_cluster_shape *shape, of_error *err)
{
	size_t	   *size;
	int			k = 0;

	memset(shape, 0, sizeof(*shape));
	for (size_t i = 0; i < n; i++)
		if (labels[i] >= k)
			k = labels[i] + 1;
	size = calloc(k ? k : 1, sizeof(size_t));
	if (!size)
		return of_fail(err, OF_ENOMEM, "out of memory for cluster sizes");
	for (size_t i = 0; i < n; i++)
		if (labels[i] >= 0)
			size[labels[i]]++;
		else
			shape->singletons++;
	for (int c = 0; c < k; c++)
	{
		if (size[c] >= 2)
			shape->clusters++;
		else
			shape->singletons += size[c];
		if (size[c] > shape->largest)
			shape->largest = size[c];
	}
	if (shape->largest == 0 && n > 0)
		shape->largest = 1;
	free(size);
	return OF_OK;
}
