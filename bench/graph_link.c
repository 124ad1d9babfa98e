/*
 * The in-memory build graph alone (src/core/graph/hnsw.c), without
 * PostgreSQL: link time, then connect and fill as fgbuild.c does, memory,
 * recall@10 against the exact answer and a fingerprint of the graph, on
 * vectors shaped like real face descriptors (gen/realfaces.h).  Two builds
 * of hnsw.c compared at one thread and the same seed must print the same
 * fingerprint when they build the same graph.
 *
 *   graph_link N [THREADS [M [EF_CONSTRUCTION [EF_SEARCH[,EF_SEARCH...] [N_QUERIES [FILL [COMPACT_AT]]]]]]]
 *
 * defaults 100000 1 24 100 64 1000 1 0: the index's defaults (fg.h); FILL 0
 * leaves out of_hnsw_fill; COMPACT_AT > 0 turns the graph to 8-bit codes
 * once that many rows are linked, as fgbuild.c does when memory is full
 * (link time is then the time of the rows after it).  Build it
 * from the repository root after `make`:
 *
 *   cc -std=c11 -O2 -Isrc/core -Igen -o graph_link bench/graph_link.c \
 *      src/core/common.o src/core/distance.o src/core/heap.o \
 *      src/core/graph/hnsw.o src/core/graph/beam.o src/core/graph/select.o \
 *      src/core/graph/sq8.o -lm -lpthread
 *
 * Adding -DCOUNT_DISTANCES -Wl,--wrap=of_l2_squared counts the distances
 * the graph computes (linking and searching apart); the count slows the
 * build, so time without it.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "distance.h"
#include "graph/hnsw.h"
#include "realfaces.h"

#define DIM REALFACES_DIM
#define K 10
#define SEED 1
#define GRAPH_SEED 0x6f70656e66616365ULL	/* fgbuild.c's */

static unsigned long long ndist;

#ifdef COUNT_DISTANCES
float		__real_of_l2_squared(const float *a, const float *b, size_t n);

float
__wrap_of_l2_squared(const float *a, const float *b, size_t n)
{
	__atomic_fetch_add(&ndist, 1, __ATOMIC_RELAXED);
	return __real_of_l2_squared(a, b, n);
}
#endif

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + t.tv_nsec / 1e9;
}

/* FNV-1a over every node's level and neighbour lists. */
static uint64_t
fingerprint(const of_hnsw *g)
{
	uint64_t	h = 1469598103934665603ULL;

	for (size_t v = 0; v < of_hnsw_count(g); v++)
		for (int l = 0; l <= of_hnsw_level(g, v); l++)
		{
			int			c;
			const int32_t *nb = of_hnsw_neighbours(g, v, l, &c);

			h = (h ^ (uint64_t) c) * 1099511628211ULL;
			for (int i = 0; i < c; i++)
				h = (h ^ (uint32_t) nb[i]) * 1099511628211ULL;
		}
	return h;
}

/* Distance of q's K-th nearest item, exactly. */
static float
kth_distance(const float *x, size_t n, const float *q)
{
	float		best[K];

	for (int t = 0; t < K; t++)
		best[t] = 1e30f;
	for (size_t j = 0; j < n; j++)
	{
		float		d = of_l2_squared(q, x + j * DIM, DIM);
		int			p = K - 1;

		if (d >= best[p])
			continue;
		while (p > 0 && best[p - 1] > d)
		{
			best[p] = best[p - 1];
			p--;
		}
		best[p] = d;
	}
	return best[K - 1];
}

/* Append rows [from, to) of x; 0 on failure. */
static int
append_rows(of_hnsw *g, const float *x, size_t from, size_t to, of_error *err)
{
	for (size_t i = from; i < to; i++)
		if (of_hnsw_append(g, x + i * DIM, err) < 0)
			return 0;
	return 1;
}

int
main(int argc, char **argv)
{
	size_t		n = argc > 1 ? (size_t) atol(argv[1]) : 100000;
	int			threads = argc > 2 ? atoi(argv[2]) : 1;
	int			m = argc > 3 ? atoi(argv[3]) : 24;
	int			efc = argc > 4 ? atoi(argv[4]) : 100;
	const char *efs = argc > 5 ? argv[5] : "64";
	size_t		nq = argc > 6 ? (size_t) atol(argv[6]) : 1000;
	int			fill = argc > 7 ? atoi(argv[7]) : 1;
	size_t		compact_at = argc > 8 ? (size_t) atol(argv[8]) : 0;
	float	   *x = malloc(n * DIM * sizeof(float));
	float	   *q = malloc(nq * DIM * sizeof(float));
	float	   *centres = malloc(n * DIM * sizeof(float));
	uint64_t	state = SEED;
	float	   *kth = malloc(nq * sizeof(float));
	size_t		ids = 0,
				filled = 0,
				repaired,
				links = 0;
	int			left = 0;
	of_error	err;
	of_hnsw    *g;
	double		t0,
				link_s,
				fill_s;
	unsigned long long link_dist,
				fill_dist;

	if (!x || !q || !centres || !kth || n == 0)
	{
		fprintf(stderr, "usage: %s N [THREADS [M [EF_CONSTRUCTION [EF_SEARCH[,EF_SEARCH...] [N_QUERIES [FILL [COMPACT_AT]]]]]]]\n", argv[0]);
		return 2;
	}
	/* The items and queries of bench/index_data.c with the same seed. */
	for (size_t i = 0; i < n; i++)
	{
		if (left == 0)
		{
			realfaces_identity(&state, centres + ids * DIM);
			left = realfaces_photo_count(&state);
			ids++;
		}
		left--;
		realfaces_photo(&state, centres + (ids - 1) * DIM, x + i * DIM);
	}
	for (size_t i = 0; i < nq; i++)
		realfaces_photo(&state, centres + (facelike_next(&state) % ids) * DIM, q + i * DIM);

	if (compact_at > n)
		compact_at = n;
	g = of_hnsw_create(DIM, m, efc, GRAPH_SEED, &err);
	if (g == NULL || !append_rows(g, x, 0, compact_at, &err) ||
		(compact_at > 0 &&
		 (of_hnsw_link(g, 0, compact_at, threads, &err) != OF_OK ||
		  of_hnsw_compact(g, &err) != OF_OK)) ||
		!append_rows(g, x, compact_at, n, &err))
	{
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	t0 = now();
	if (of_hnsw_link(g, compact_at, n, threads, &err) != OF_OK)
	{
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	link_s = now() - t0;
	link_dist = ndist;
	t0 = now();
	if (of_hnsw_connect(g, &repaired, &err) != OF_OK ||
		(fill && of_hnsw_fill(g, threads, &filled, &err) != OF_OK))
	{
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	fill_s = now() - t0;
	fill_dist = ndist - link_dist;
	for (size_t v = 0; v < n; v++)
	{
		int			c;

		(void) of_hnsw_neighbours(g, v, 0, &c);
		links += (size_t) c;
	}
	if (compact_at > 0)
		printf("compact after %zu rows; ", compact_at);
	printf("n %zu threads %d m %d efc %d: link %.2f s, connect+fill %.2f s (%zu + %zu links), "
		   "%zu bytes (%.0f/row, node_bytes %zu), level-0 links %.1f of %d, graph %016llx",
		   n, threads, m, efc, link_s, fill_s, repaired, filled,
		   of_hnsw_bytes(g), (double) of_hnsw_bytes(g) / (double) n,
		   of_hnsw_node_bytes(g), (double) links / (double) n, 2 * m,
		   (unsigned long long) fingerprint(g));
	if (link_dist > 0)
		printf(", distances/row: link %.0f, connect+fill %.0f",
			   (double) link_dist / (double) n, (double) fill_dist / (double) n);
	printf("\n");

	for (size_t i = 0; i < nq; i++)
		kth[i] = kth_distance(x, n, q + i * DIM);
	for (const char *e = efs; *e != '\0';)
	{
		char	   *end;
		int			ef = (int) strtol(e, &end, 10);
		uint64_t	answers = 1469598103934665603ULL;
		size_t		hits = 0;
		unsigned long long search_dist = 0;

		if (end == e)
			break;
		e = *end == ',' ? end + 1 : end;
		for (size_t i = 0; i < nq; i++)
		{
			uint32_t	got[K];
			size_t		k;
			unsigned long long before = ndist;

			k = of_hnsw_search(g, q + i * DIM, K, ef, got, &err);
			search_dist += ndist - before;
			for (size_t t = 0; t < k; t++)
			{
				answers = (answers ^ got[t]) * 1099511628211ULL;
				hits += of_l2_squared(q + i * DIM, x + (size_t) got[t] * DIM, DIM) <= kth[i];
			}
		}
		printf("  ef %3d: recall@10 %.4f, answers %016llx", ef,
			   (double) hits / (double) (nq * K), (unsigned long long) answers);
		if (link_dist > 0)
			printf(", distances/query %.0f", (double) search_dist / (double) nq);
		printf("\n");
	}
	of_hnsw_free(g);
	free(x);
	free(q);
	free(centres);
	free(kth);
	return 0;
}
