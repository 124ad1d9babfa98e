#define _POSIX_C_SOURCE 200809L

#include "graph/hnsw.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "distance.h"
#include "heap.h"
#include "graph/beam.h"
#include "graph/select.h"

/*
 * How many vectors ahead of the distance being computed to prefetch: one
 * code is compared in ~10 ns and fetched from memory in ~210.  100k
 * realistic rows, one thread, codes from row 5,000 (bench/graph_link):
 * linked in 18.0 s with no prefetch, 16.7 s at 2 ahead, 15.5 at 4, 15.1-15.2
 * at 8, 15.25 with all of a list's asked for at once; 13.0 s at both 8 and
 * 16 with ef_construction 80.  400k rows, two threads: 42.1 / 42.0 / 39.9 s
 * at 8, 41.3 / 40.1 / 39.4 at 16 (interleaved), 39.2 at 24.
 */
#define PREFETCH_AHEAD	16

/*
 * Codes start on a cache line: a 128-byte code then spans two lines where
 * malloc's 16-byte alignment made it span three, and the build's searches
 * wait on every line they fetch.  With one-byte visited marks (scratch),
 * 1M realistic rows built in 377 and 379 s against 412 and 417 s (two
 * threads, builds interleaved); the graph is the same.
 */
#define CODE_ALIGN	64

/*
 * of_hnsw_fill looks for a node's fill through its FILL_VIA nearest links:
 * at 100k realistic rows (bench/graph_link) 8 of them find as good a fill
 * as all (recall@10 at ef 64 0.969 against 0.970) for a third of the
 * distances (210 a row against 647).  It prefetches further ahead than a
 * search: it has all of a node's candidates at once.
 */
#define FILL_VIA	8
#define FILL_PREFETCH_AHEAD 16
/*
 * A full list is pruned to all but 1 / PRUNE_SLACK of its room (add_link),
 * so pruning runs once per that many new links instead of at every one.
 * Realistic rows (bench/graph_link, codes from row 5,000 / 10,000): 100k on
 * one thread linked in 22.3 s against 27.0, with half the float distances
 * and the same recall@10 at ef_search 40 / 64 / 112 (0.928 / 0.962 /
 * 0.980); 1M on two threads linked and filled in 301 s against 380, recall
 * 0.894 / 0.940 / 0.966 at 112 / 192 / 320 against 0.896 / 0.941 / 0.964.
 * A third of the room linked 100k in 21.7 s, a twelfth in 23.1, same
 * recall; leaving upper levels full changed nothing measurable.
 *
 * The heuristic stops at that many links too: the old links of a list are
 * mostly ones it chose before, so it chose nearly all again, the list
 * stayed almost full and the next links pruned it again, each prune
 * comparing some 1,000 pairs (four fifths of the build's float distances).
 * 200k realistic rows, two threads (bench/graph_link, codes from row
 * 5,000): linked in 13.3 / 13.5 s against 17.3 / 17.4, recall@10 at
 * ef_search 64 / 128 / 192 0.923-0.929 / 0.966-0.970 / 0.977-0.981 against
 * 0.925-0.927 / 0.970 / 0.978-0.979.  Pruning to two thirds of the room
 * instead linked in 12.6-12.7 s for 0.002-0.004 less recall.
 */
#define PRUNE_SLACK	6
/* Nodes filled between looks at of_cancelled(). */
#define FILL_CHUNK	4096
/* Most threads of_hnsw_link and of_hnsw_fill start. */
#define MAX_THREADS 16

/*
 * Lists are locked by stripe, not by a mutex per node (40 bytes a row): no
 * thread holds two list locks at once, so stripes cannot deadlock, and a
 * few threads seldom meet on one of this many.
 */
#define LOCK_STRIPES 1024

/*
 * A spill region's room for upper-level lists: the expected (m + 1) / (m - 1)
 * words a node (a node reaches level l with chance m^-l) plus a tenth, and
 * room for this many lists more, against the chance of a few high nodes.
 */
#define SPILL_UPPER_SLACK_PERCENT	10
#define SPILL_UPPER_SLACK_LISTS		64

/* A list's distances share its allocation with the ids (struct of_hnsw). */
_Static_assert(sizeof(float) == sizeof(int32_t), "a distance takes an id's room");

struct of_hnsw
{
	size_t		dim;
	int			m;
	int			m0;
	int			ef;
	uint64_t	seed;
	size_t		n;
	size_t		cap;
	float	   *vecs;			/* the vectors, until of_hnsw_compact */
	uint8_t    *codes;			/* then their 8-bit codes, CODE_ALIGN-aligned */
	uint8_t    *codes_mem;		/* the allocation codes lies in (NULL when spilled) */
	float	   *resid;			/* and each code's residual norm */
	of_sq8		quant;
	uint8_t    *levels;
	/*
	 * Per node: [cnt, m0 ids], then [cnt, m ids] per level; then, until
	 * of_hnsw_compact, as many floats, each id's squared distance from the
	 * node in its slot (the cnt slots unused), so pruning a full list never
	 * recomputes them.  A compact graph recomputes them from its codes.
	 */
	int32_t   **links;
	/*
	 * of_hnsw_spill's region, which then holds codes, residuals, levels
	 * and lists (from spill_next to spill_end) for up to cap nodes.
	 */
	uint8_t    *spill;
	int32_t    *spill_next;
	int32_t    *spill_end;
	pthread_mutex_t locks[LOCK_STRIPES];	/* node v's lists: v % LOCK_STRIPES */
	pthread_mutex_t glock;		/* entry point and top level */
	long		entry;
	int			top;
	size_t		bytes;
};

/*
 * Per-thread search scratch: an epoch-tagged visited array and heaps.  A
 * mark is one byte, cleared every 255 searches: at 1M rows the array
 * (1 MB) stays in cache where four-byte marks (4 MB) did not.
 */
typedef struct scratch
{
	uint8_t    *mark;
	size_t		nmark;
	uint8_t		epoch;
	of_heap		cand;
	of_heap		res;
	size_t	   *sel;
	const float **vp;
	float	   *dd;
	uint32_t   *ids;
	/* add_link's own arrays: it runs while insert_node still uses the above */
	size_t	   *psel;
	const float **pvp;
	float	   *pdd;
	uint32_t   *pids;
	size_t		cap;
	int32_t    *two;			/* of_hnsw_fill's candidates */
	/* a compact graph's decoded vectors: the query, add_link's node, vp's and pvp's */
	float	   *qx;
	float	   *nx;
	float	   *dec;
	float	   *pdec;
	of_sq8_query qq;
} scratch;

/* A vector searched for, prepared for a compact graph's codes. */
typedef struct probe
{
	const float *x;
	const of_sq8_query *qq;
} probe;

int
of_hnsw_random_level(uint64_t r, int m)
{
	double		u = ((double) (r >> 11) + 0.5) / 9007199254740992.0;
	int			l = (int) floor(-log(u) / log((double) m));

	return l > OF_HNSW_MAX_LEVEL ? OF_HNSW_MAX_LEVEL : l;
}

static inline size_t
link_offset(const of_hnsw *g, int level)
{
	return level == 0 ? 0 : (size_t) (g->m0 + 1) + (size_t) (level - 1) * (g->m + 1);
}

static inline int32_t *
list_at(const of_hnsw *g, size_t node, int level)
{
	return g->links[node] + link_offset(g, level);
}

static inline pthread_mutex_t *
list_lock(of_hnsw *g, size_t node)
{
	return &g->locks[node % LOCK_STRIPES];
}

/*
 * The distances of list_at's ids: dists_at(...)[i] goes with
 * list_at(...)[i + 1]; NULL in a compact graph.
 */
static inline float *
dists_at(const of_hnsw *g, size_t node, int level)
{
	float	   *d;

	if (g->codes != NULL)
		return NULL;
	d = (float *) (g->links[node] + link_offset(g, g->levels[node] + 1));
	return d + link_offset(g, level) + 1;
}

/* Node id's vector: in place, or decoded into tmp (dim floats) once compact. */
static inline const float *
node_vec(const of_hnsw *g, size_t id, float *tmp)
{
	if (g->codes == NULL)
		return g->vecs + id * g->dim;
	of_sq8_decode(&g->quant, g->codes + id * g->dim, tmp);
	return tmp;
}

static void
probe_init(const of_hnsw *g, scratch *s, const float *x, probe *p)
{
	p->x = x;
	p->qq = NULL;
	if (g->codes != NULL)
	{
		of_sq8_prepare(&g->quant, x, &s->qq);
		p->qq = &s->qq;
	}
}

/* Squared distance from the probe to node id (to its decoded code once compact). */
static inline float
probe_dist(const of_hnsw *g, const probe *p, size_t id)
{
	if (p->qq != NULL)
		return of_sq8_l2_squared_wide(p->qq, g->codes + id * g->dim);
	return of_l2_squared(p->x, g->vecs + id * g->dim, g->dim);
}

of_hnsw *
of_hnsw_create(size_t dim, int m, int ef, uint64_t seed, of_error *err)
{
	of_hnsw    *g;

	if (dim == 0 || m < 2 || m > OF_HNSW_MAX_M || ef < 1)
	{
		of_fail(err, OF_EINVAL, "bad graph parameters (dim %zu, m %d, ef %d)", dim, m, ef);
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL)
	{
		of_fail(err, OF_ENOMEM, "out of memory");
		return NULL;
	}
	g->dim = dim;
	g->m = m;
	g->m0 = 2 * m;
	g->ef = ef;
	g->seed = seed;
	g->entry = -1;
	g->top = -1;
	g->bytes = sizeof(*g);
	pthread_mutex_init(&g->glock, NULL);
	for (int i = 0; i < LOCK_STRIPES; i++)
		pthread_mutex_init(&g->locks[i], NULL);
	return g;
}

void
of_hnsw_free(of_hnsw *g)
{
	if (g == NULL)
		return;
	for (int i = 0; i < LOCK_STRIPES; i++)
		pthread_mutex_destroy(&g->locks[i]);
	pthread_mutex_destroy(&g->glock);
	/* A spilled graph's node data are the caller's region. */
	if (g->spill == NULL)
	{
		for (size_t i = 0; i < g->n; i++)
			free(g->links[i]);
		free(g->levels);
		free(g->vecs);
		free(g->codes_mem);
		free(g->resid);
	}
	free(g->links);
	free(g);
}

/* A code and its residual norm, or the float vector. */
static size_t
vector_bytes(const of_hnsw *g, int compact)
{
	return compact ? g->dim + sizeof(float) : g->dim * sizeof(float);
}

/*
 * A node's bytes: its vector, level-0 list (and its distances), an average
 * share of upper lists, bookkeeping.
 */
static size_t
node_bytes(const of_hnsw *g, int compact)
{
	size_t		words = (size_t) (g->m0 + 1) + (size_t) (g->m + 1) / (size_t) (g->m - 1);

	return vector_bytes(g, compact) + (compact ? 1 : 2) * words * sizeof(int32_t) +
		sizeof(int32_t *) + 1 + 16;
}

size_t
of_hnsw_node_bytes(const of_hnsw *g)
{
	/* A spilled graph reserved its nodes' own memory at of_hnsw_spill. */
	if (g->spill != NULL)
		return 0;
	return node_bytes(g, g->codes != NULL);
}

size_t
of_hnsw_compact_node_bytes(const of_hnsw *g)
{
	return node_bytes(g, 1);
}

size_t
of_hnsw_bytes(const of_hnsw *g)
{
	return g->bytes;
}

/*
 * The node arrays grow by a quarter, not double: a build counts what they
 * reserve against its memory, and doubling would idle up to half of it.
 */
static size_t
next_cap(const of_hnsw *g)
{
	return g->cap ? g->cap + g->cap / 4 : 1024;
}

size_t
of_hnsw_growth_bytes(const of_hnsw *g)
{
	if (g->n < g->cap || g->spill != NULL)
		return 0;
	return (next_cap(g) - g->cap) * (vector_bytes(g, g->codes != NULL) + 1 + sizeof(int32_t *));
}

static uint8_t *
code_align(uint8_t *p)
{
	return (uint8_t *) (((uintptr_t) p + CODE_ALIGN - 1) & ~(uintptr_t) (CODE_ALIGN - 1));
}

/*
 * Give the codes room for cap of them, aligned; 0 (the codes untouched)
 * when out of memory.
 */
static int
resize_codes(of_hnsw *g, size_t cap)
{
	size_t		off = (size_t) (g->codes - g->codes_mem);
	uint8_t    *mem = realloc(g->codes_mem, cap * g->dim + CODE_ALIGN - 1);
	uint8_t    *codes;

	if (mem == NULL)
		return 0;
	codes = code_align(mem);
	if ((size_t) (codes - mem) != off)
		memmove(codes, mem + off, g->n * g->dim);
	g->codes_mem = mem;
	g->codes = codes;
	return 1;
}

static int
grow(of_hnsw *g)
{
	size_t		ncap = next_cap(g);
	uint8_t    *nl;
	int32_t   **nk;

	if (g->codes != NULL)
	{
		float	   *nr;

		if (!resize_codes(g, ncap))
			return 0;
		nr = realloc(g->resid, ncap * sizeof(float));
		if (nr == NULL)
			return 0;
		g->resid = nr;
	}
	else
	{
		float	   *nv = realloc(g->vecs, ncap * g->dim * sizeof(float));

		if (nv == NULL)
			return 0;
		g->vecs = nv;
	}
	nl = realloc(g->levels, ncap);
	if (nl == NULL)
		return 0;
	g->levels = nl;
	nk = realloc(g->links, ncap * sizeof(int32_t *));
	if (nk == NULL)
		return 0;
	g->links = nk;
	g->bytes += of_hnsw_growth_bytes(g);
	g->cap = ncap;
	return 1;
}

long
of_hnsw_append(of_hnsw *g, const float *v, of_error *err)
{
	int			level;
	size_t		words;

	if (!of_hnsw_room(g))
	{
		of_fail(err, OF_ELIMIT, "the graph's spill region is full");
		return -1;
	}
	if (g->n == g->cap && !grow(g))
	{
		of_fail(err, OF_ENOMEM, "out of memory growing the graph");
		return -1;
	}
	level = of_hnsw_random_level(of_splitmix64(g->seed ^ (uint64_t) g->n), g->m);
	/* The ids, then as many distances. */
	words = (g->codes != NULL ? 1 : 2) * link_offset(g, level + 1);
	if (g->spill != NULL)
	{
		g->links[g->n] = g->spill_next;
		g->spill_next += words;
		memset(g->links[g->n], 0, words * sizeof(int32_t));
	}
	else
	{
		g->links[g->n] = calloc(words, sizeof(int32_t));
		if (g->links[g->n] == NULL)
		{
			of_fail(err, OF_ENOMEM, "out of memory");
			return -1;
		}
		g->bytes += words * sizeof(int32_t);
	}
	if (g->codes != NULL)
		g->resid[g->n] = of_sq8_encode(&g->quant, v, g->codes + g->n * g->dim);
	else
		memcpy(g->vecs + g->n * g->dim, v, g->dim * sizeof(float));
	g->levels[g->n] = (uint8_t) level;
	return (long) g->n++;
}

size_t
of_hnsw_count(const of_hnsw *g)
{
	return g->n;
}

long
of_hnsw_entry(const of_hnsw *g)
{
	return g->entry;
}

int
of_hnsw_level(const of_hnsw *g, size_t node)
{
	return g->levels[node];
}

const float *
of_hnsw_vector(const of_hnsw *g, size_t node)
{
	return g->vecs != NULL ? g->vecs + node * g->dim : NULL;
}

of_status
of_hnsw_compact(of_hnsw *g, of_error *err)
{
	uint8_t		code[OF_SQ8_MAX_DIM];
	size_t		cap = g->cap ? g->cap : 1;
	float	   *resid;
	uint8_t    *codes;
	of_status	rc;

	if (g->codes != NULL)
		return OF_OK;
	if (g->n == 0)
		return of_fail(err, OF_EINVAL, "an empty graph has no vectors to fit codes to");
	rc = of_sq8_train(&g->quant, g->vecs, g->n, g->dim, err);
	if (rc != OF_OK)
		return rc;
	resid = malloc(cap * sizeof(float));
	if (resid == NULL)
		return of_fail(err, OF_ENOMEM, "out of memory compacting the graph");

	/*
	 * In place, so memory never grows: code i lands on bytes the vectors
	 * before it held (i * dim <= i * 4 * dim), through a copy for the one
	 * vector it overlaps.
	 */
	codes = (uint8_t *) g->vecs;
	for (size_t i = 0; i < g->n; i++)
	{
		resid[i] = of_sq8_encode(&g->quant, g->vecs + i * g->dim, code);
		memcpy(codes + i * g->dim, code, g->dim);
	}
	g->vecs = NULL;
	g->codes = g->codes_mem = codes;
	g->resid = resid;
	/* Drop the lists' distances: the allocations keep only the ids. */
	for (size_t i = 0; i < g->n; i++)
	{
		size_t		words = link_offset(g, g->levels[i] + 1);
		int32_t    *shrunk = realloc(g->links[i], words * sizeof(int32_t));

		if (shrunk != NULL)
			g->links[i] = shrunk;
		g->bytes -= words * sizeof(int32_t);
	}
	/* Shrink the vectors' allocation to the codes, aligning them (else as they are). */
	(void) resize_codes(g, cap);
	g->bytes -= g->cap * (vector_bytes(g, 0) - vector_bytes(g, 1));
	return OF_OK;
}

const of_sq8 *
of_hnsw_quantizer(const of_hnsw *g)
{
	return g->codes != NULL ? &g->quant : NULL;
}

/* An array's bytes in a spill region, rounded up so that the next one starts aligned. */
static size_t
spill_align(size_t bytes)
{
	return (bytes + sizeof(double) - 1) / sizeof(double) * sizeof(double);
}

/* Words of lists a spill region keeps for max_nodes nodes. */
static size_t
spill_list_words(const of_hnsw *g, size_t max_nodes)
{
	size_t		upper_lists = max_nodes / (size_t) (g->m - 1);

	upper_lists += upper_lists * SPILL_UPPER_SLACK_PERCENT / 100 + SPILL_UPPER_SLACK_LISTS;
	return max_nodes * (size_t) (g->m0 + 1) + upper_lists * (size_t) (g->m + 1);
}

size_t
of_hnsw_spill_bytes(const of_hnsw *g, size_t max_nodes)
{
	return spill_align(max_nodes * sizeof(float)) + spill_align(max_nodes * g->dim) +
		spill_align(max_nodes) + spill_list_words(g, max_nodes) * sizeof(int32_t);
}

of_status
of_hnsw_spill(of_hnsw *g, void *region, size_t bytes, size_t max_nodes, of_error *err)
{
	uint8_t    *p = region;
	float	   *resid;
	uint8_t    *codes,
			   *levels;
	int32_t   **links;

	if (g->codes == NULL || g->spill != NULL || max_nodes < g->n ||
		bytes < of_hnsw_spill_bytes(g, max_nodes) || (uintptr_t) region % sizeof(double) != 0)
		return of_fail(err, OF_EINVAL, "cannot spill the graph (compact %d, spilled %d, %zu nodes, room for %zu in %zu bytes)",
					   g->codes != NULL, g->spill != NULL, g->n, max_nodes, bytes);
	links = realloc(g->links, (max_nodes ? max_nodes : 1) * sizeof(int32_t *));
	if (links == NULL)
		return of_fail(err, OF_ENOMEM, "out of memory spilling the graph");
	g->links = links;
	/* Codes first: the caller maps the region, so they start on a page. */
	codes = p;
	p += spill_align(max_nodes * g->dim);
	resid = (float *) p;
	p += spill_align(max_nodes * sizeof(float));
	levels = p;
	p += spill_align(max_nodes);
	g->spill_next = (int32_t *) p;
	g->spill_end = g->spill_next + spill_list_words(g, max_nodes);
	memcpy(resid, g->resid, g->n * sizeof(float));
	memcpy(codes, g->codes, g->n * g->dim);
	memcpy(levels, g->levels, g->n);
	for (size_t i = 0; i < g->n; i++)
	{
		size_t		words = link_offset(g, g->levels[i] + 1);

		memcpy(g->spill_next, g->links[i], words * sizeof(int32_t));
		free(g->links[i]);
		g->links[i] = g->spill_next;
		g->spill_next += words;
	}
	free(g->resid);
	free(g->codes_mem);
	free(g->levels);
	g->resid = resid;
	g->codes = codes;
	g->codes_mem = NULL;
	g->levels = levels;
	g->spill = region;
	g->cap = max_nodes;
	g->bytes = of_hnsw_spilled_bytes(g, max_nodes);
	return OF_OK;
}

size_t
of_hnsw_spilled_bytes(const of_hnsw *g, size_t max_nodes)
{
	return sizeof(*g) + max_nodes * sizeof(int32_t *);
}

int
of_hnsw_room(const of_hnsw *g)
{
	if (g->spill == NULL)
		return 1;
	return g->n < g->cap &&
		(size_t) (g->spill_end - g->spill_next) >= link_offset(g, OF_HNSW_MAX_LEVEL + 1);
}

const uint8_t *
of_hnsw_code(const of_hnsw *g, size_t node, float *resid)
{
	*resid = g->resid[node];
	return g->codes + node * g->dim;
}

const int32_t *
of_hnsw_neighbours(const of_hnsw *g, size_t node, int level, int *n)
{
	const int32_t *l = list_at(g, node, level);

	*n = l[0];
	return l + 1;
}

const float *
of_hnsw_distances(const of_hnsw *g, size_t node, int level)
{
	return dists_at(g, node, level);
}

static void
scratch_free(scratch *s)
{
	free(s->mark);
	of_heap_free(&s->cand);
	of_heap_free(&s->res);
	free(s->sel);
	free(s->vp);
	free(s->dd);
	free(s->ids);
	free(s->psel);
	free(s->pvp);
	free(s->pdd);
	free(s->pids);
	free(s->two);
	free(s->qx);
	free(s->nx);
	free(s->dec);
	free(s->pdec);
}

static int
scratch_init(scratch *s, const of_hnsw *g)
{
	memset(s, 0, sizeof(*s));
	of_heap_init(&s->cand, 0);
	of_heap_init(&s->res, 1);
	s->nmark = g->n;
	s->mark = calloc(g->n ? g->n : 1, sizeof(*s->mark));
	s->cap = (size_t) (g->ef > g->m0 ? g->ef : g->m0) + 2;
	s->sel = malloc(s->cap * sizeof(size_t));
	s->vp = malloc(s->cap * sizeof(float *));
	s->dd = malloc(s->cap * sizeof(float));
	s->ids = malloc(s->cap * sizeof(uint32_t));
	s->psel = malloc(s->cap * sizeof(size_t));
	s->pvp = malloc(s->cap * sizeof(float *));
	s->pdd = malloc(s->cap * sizeof(float));
	s->pids = malloc(s->cap * sizeof(uint32_t));
	s->two = malloc((size_t) FILL_VIA * (size_t) g->m0 * sizeof(int32_t));
	s->qx = malloc(g->dim * sizeof(float));
	s->nx = malloc(g->dim * sizeof(float));
	if (g->codes != NULL)
	{
		s->dec = malloc(s->cap * g->dim * sizeof(float));
		s->pdec = malloc(s->cap * g->dim * sizeof(float));
	}
	if (!s->mark || !s->sel || !s->vp || !s->dd || !s->ids ||
		!s->psel || !s->pvp || !s->pdd || !s->pids || !s->two || !s->qx || !s->nx ||
		(g->codes != NULL && (!s->dec || !s->pdec)))
	{
		scratch_free(s);
		return 0;
	}
	return 1;
}

/* Copy a neighbour list under its node's lock. */
static int
copy_list(of_hnsw *g, size_t node, int level, int32_t *buf)
{
	int32_t    *l;
	int			n;

	pthread_mutex_lock(list_lock(g, node));
	l = list_at(g, node, level);
	n = l[0];
	memcpy(buf, l + 1, (size_t) n * sizeof(int32_t));
	pthread_mutex_unlock(list_lock(g, node));
	return n;
}

/* Start loading node id's code or vector (a macro: see OF_PREFETCH). */
#define PREFETCH_NODE(g, id) \
	do { \
		if ((g)->codes != NULL) \
			OF_PREFETCH((g)->codes + (size_t) (id) * (g)->dim, (g)->dim); \
		else \
			OF_PREFETCH((g)->vecs + (size_t) (id) * (g)->dim, (g)->dim * sizeof(float)); \
	} while (0)

/* One level of the graph as of_beam_search walks it. */
typedef struct level_walk
{
	of_hnsw    *g;
	scratch    *s;
	const probe *q;
	int			level;
} level_walk;

/* of_beam_expand: the unvisited neighbours of node id and their distances. */
static int
expand_node(void *arg, uint32_t id, of_beam_step *out)
{
	level_walk *w = arg;
	int32_t		buf[2 * OF_HNSW_MAX_M + 2];
	int			n,
				fresh = 0;

	/*
	 * The candidate expanded next, unless this one finds a nearer: ask for
	 * its list now, which the expansion after would wait for (200k realistic
	 * rows, two threads: linked in 28.8 / 27.8 s against 30.5 / 30.3, builds
	 * interleaved; the same graph).  All of the list: a level-0 list spans
	 * four cache lines, and copying it still waited on the three not asked
	 * for (bench/graph_link, codes from row 5,000: 100k rows on one thread
	 * linked in 9.24-9.45 s against 9.88-10.11, the same graph; 200k on two
	 * threads in 11.7 / 11.9 s against 12.4 / 12.4; 1M in PostgreSQL, no
	 * gain: 107.9 / 112.4 s against 108.0 / 113.5).
	 */
	if (w->s->cand.n > 0)
		OF_PREFETCH(list_at(w->g, of_heap_top(&w->s->cand)->id, w->level),
					(size_t) ((w->level == 0 ? w->g->m0 : w->g->m) + 1) * sizeof(int32_t));
	n = copy_list(w->g, id, w->level, buf);

	for (int i = 0; i < n; i++)
	{
		uint32_t	e = (uint32_t) buf[i];

		if (w->s->mark[e] == w->s->epoch)
			continue;
		w->s->mark[e] = w->s->epoch;
		buf[fresh++] = (int32_t) e;
	}
	/*
	 * Each fresh node's code, PREFETCH_AHEAD ahead of its distance, and the
	 * address of its list, which the search reads first if it expands the
	 * node (the prefetch of the next list above waits on it): 400k realistic
	 * rows, two threads, linked in 45.9 / 44.0 s against 47.5 / 44.9
	 * (bench/graph_link, interleaved).
	 */
#define PREFETCH_FRESH(g, id) \
	do { \
		PREFETCH_NODE(g, id); \
		__builtin_prefetch(&(g)->links[id]); \
	} while (0)
	for (int i = 0; i < fresh && i < PREFETCH_AHEAD; i++)
		PREFETCH_FRESH(w->g, buf[i]);
	for (int i = 0; i < fresh; i++)
	{
		if (i + PREFETCH_AHEAD < fresh)
			PREFETCH_FRESH(w->g, buf[i + PREFETCH_AHEAD]);
		out[i].id = (uint32_t) buf[i];
		out[i].d = probe_dist(w->g, w->q, (size_t) buf[i]);
		out[i].dead = 0;
	}
#undef PREFETCH_FRESH
	return fresh;
}

/*
 * Beam search at one level from the entries already in s->res/s->cand;
 * leaves the best ef in s->res (max-heap).
 */
static int
search_level(of_hnsw *g, scratch *s, const probe *q, int level, int ef)
{
	of_beam_step steps[2 * OF_HNSW_MAX_M];
	level_walk	w = {g, s, q, level};
	of_beam		b = {
		.cand = &s->cand, .res = &s->res, .width = (size_t) ef,
		.steps = steps, .expand = expand_node, .arg = &w
	};

	return of_beam_search(&b) == OF_OK;
}

static void
new_epoch(scratch *s)
{
	if (++s->epoch == 0)
	{
		memset(s->mark, 0, s->nmark * sizeof(*s->mark));
		s->epoch = 1;
	}
	of_heap_clear(&s->cand);
	of_heap_clear(&s->res);
}

/* Nearest node to q at level from ep, greedily. */
static uint32_t
greedy(of_hnsw *g, const probe *q, uint32_t ep, int level)
{
	int32_t		buf[OF_HNSW_MAX_M + 2];
	float		best = probe_dist(g, q, ep);
	int			moved = 1;

	while (moved)
	{
		int			n = copy_list(g, ep, level, buf);

		moved = 0;
		for (int i = 0; i < n; i++)
		{
			float		d = probe_dist(g, q, (size_t) buf[i]);

			if (d < best)
			{
				best = d;
				ep = (uint32_t) buf[i];
				moved = 1;
			}
		}
	}
	return ep;
}

/*
 * Add link node->add at level, add being d from node.  A full list is
 * pruned: the heuristic runs over the old links plus the new one, and the
 * list keeps the links it selects, then the nearest of the others, up to
 * all but 1 / PRUNE_SLACK of its room (never more).  The list stays nearly
 * full: shrinking it to the heuristic's choice cuts links that are the only
 * way into tight clusters.  The slots left free take the next links without
 * any distance computed, and of_hnsw_fill tops level 0 up at the end.
 */
static void
add_link(of_hnsw *g, scratch *s, uint32_t node, uint32_t add, float add_d, int level)
{
	int			cap = level == 0 ? g->m0 : g->m;
	int32_t    *l;
	float	   *ld;
	int			n;

	pthread_mutex_lock(list_lock(g, node));
	l = list_at(g, node, level);
	ld = dists_at(g, node, level);
	n = l[0];
	for (int i = 0; i < n; i++)
		if ((uint32_t) l[i + 1] == add)
			goto done;
	if (n < cap)
	{
		l[1 + n] = (int32_t) add;
		if (ld != NULL)
			ld[n] = add_d;
		l[0] = n + 1;
	}
	else
	{
		size_t		k,
					cnt = 0,
					kept = 0,
					keep = (size_t) (cap - cap / PRUNE_SLACK);
		uint8_t		chosen[2 * OF_HNSW_MAX_M + 1];
		const float *base = ld != NULL ? NULL : node_vec(g, node, s->nx);

		/* Insertion-sort the old links plus the new one by distance. */
		for (int i = 0; i <= n; i++)
		{
			uint32_t	id = i < n ? (uint32_t) l[i + 1] : add;
			const float *v = node_vec(g, id, s->pdec + (size_t) i * g->dim);
			float		d = i == n ? add_d : ld != NULL ? ld[i] : of_l2_squared(base, v, g->dim);
			size_t		j = cnt++;

			while (j > 0 && s->pdd[j - 1] > d)
			{
				s->pdd[j] = s->pdd[j - 1];
				s->pids[j] = s->pids[j - 1];
				s->pvp[j] = s->pvp[j - 1];
				j--;
			}
			s->pdd[j] = d;
			s->pids[j] = id;
			s->pvp[j] = v;
		}
		k = of_graph_select(s->pvp, s->pdd, cnt, keep, g->dim, s->psel);
		memset(chosen, 0, cnt);
		for (size_t i = 0; i < k; i++)
			chosen[s->psel[i]] = 1;
		for (size_t i = 0; i < cnt && k < keep; i++)
			if (!chosen[i])
			{
				chosen[i] = 1;
				k++;
			}
		for (size_t i = 0; i < cnt; i++)
			if (chosen[i])
			{
				l[1 + kept] = (int32_t) s->pids[i];
				if (ld != NULL)
					ld[kept] = s->pdd[i];
				kept++;
			}
		l[0] = (int32_t) kept;
	}
done:
	pthread_mutex_unlock(list_lock(g, node));
}

static int
insert_node(of_hnsw *g, scratch *s, uint32_t node)
{
	probe		qp,
			   *q = &qp;
	int			level = g->levels[node];
	int			top;
	long		entry;
	int			holding;

	pthread_mutex_lock(&g->glock);
	entry = g->entry;
	top = g->top;
	if (entry < 0)
	{
		g->entry = node;
		g->top = level;
		pthread_mutex_unlock(&g->glock);
		return 1;
	}
	/* A new top node keeps the lock so no one else raises the top meanwhile. */
	holding = level > top;
	if (!holding)
		pthread_mutex_unlock(&g->glock);
	probe_init(g, s, node_vec(g, node, s->qx), q);

	{
		uint32_t	ep = (uint32_t) entry;

		for (int l = top; l > level; l--)
			ep = greedy(g, q, ep, l);

		new_epoch(s);
		{
			float		d = probe_dist(g, q, ep);

			s->mark[ep] = s->epoch;
			s->mark[node] = s->epoch;
			if (of_heap_push(&s->cand, d, ep) != OF_OK || of_heap_push(&s->res, d, ep) != OF_OK)
				goto fail;
		}
		for (int l = (level < top ? level : top); l >= 0; l--)
		{
			int			cap = l == 0 ? g->m0 : g->m;
			size_t		cnt,
						k;
			int32_t    *mine;
			float	   *mine_d;

			if (!search_level(g, s, q, l, g->ef))
				goto fail;
			/* Results ascending: pop the max-heap from the back. */
			cnt = s->res.n;
			for (size_t i = cnt; i-- > 0;)
			{
				of_heap_item it = of_heap_pop(&s->res);

				s->dd[i] = it.d;
				s->ids[i] = it.id;
			}
			for (size_t i = 0; i < cnt; i++)
				s->vp[i] = node_vec(g, s->ids[i], s->dec + i * g->dim);
			k = of_graph_select(s->vp, s->dd, cnt, (size_t) cap, g->dim, s->sel);

			/*
			 * Other threads may already have linked to this node: keep
			 * those links after the selected ones, as far as room allows.
			 */
			pthread_mutex_lock(list_lock(g, node));
			mine = list_at(g, node, l);
			mine_d = dists_at(g, node, l);
			{
				int			had = mine[0];
				int32_t		old[2 * OF_HNSW_MAX_M];
				float		old_d[2 * OF_HNSW_MAX_M];
				size_t		w = k;

				memcpy(old, mine + 1, (size_t) had * sizeof(int32_t));
				if (mine_d != NULL)
					memcpy(old_d, mine_d, (size_t) had * sizeof(float));
				for (size_t i = 0; i < k; i++)
				{
					mine[1 + i] = (int32_t) s->ids[s->sel[i]];
					if (mine_d != NULL)
						mine_d[i] = s->dd[s->sel[i]];
				}
				for (int i = 0; i < had && w < (size_t) cap; i++)
				{
					size_t		t;

					for (t = 0; t < w; t++)
						if (mine[1 + t] == old[i])
							break;
					if (t == w)
					{
						if (mine_d != NULL)
							mine_d[w] = old_d[i];
						mine[1 + w++] = old[i];
					}
				}
				mine[0] = (int32_t) w;
			}
			pthread_mutex_unlock(list_lock(g, node));

			for (size_t i = 0; i < k; i++)
				add_link(g, s, s->ids[s->sel[i]], node, s->dd[s->sel[i]], l);

			/* Next level: a fresh search starting from this level's results. */
			new_epoch(s);
			s->mark[node] = s->epoch;
			for (size_t i = 0; i < cnt; i++)
				s->mark[s->ids[i]] = s->epoch;
			for (size_t i = 0; i < cnt; i++)
				if (of_heap_push(&s->cand, s->dd[i], s->ids[i]) != OF_OK ||
					of_heap_push(&s->res, s->dd[i], s->ids[i]) != OF_OK)
					goto fail;
		}
	}
	if (holding)
	{
		g->entry = node;
		g->top = level;
		pthread_mutex_unlock(&g->glock);
	}
	return 1;
fail:
	if (holding)
		pthread_mutex_unlock(&g->glock);
	return 0;
}

/* One node's work in a job: 0 when out of memory. */
typedef int (*node_step) (of_hnsw *g, scratch *s, size_t node, void *arg);

typedef struct job
{
	of_hnsw    *g;
	node_step	step;
	void	   *arg;
	size_t		next;			/* shared cursor, under g->glock-free atomic */
	size_t		to;
	int			failed;
} job;

static void *
worker(void *arg)
{
	job		   *j = arg;
	scratch		s;

	if (!scratch_init(&s, j->g))
	{
		__atomic_store_n(&j->failed, 1, __ATOMIC_SEQ_CST);
		return NULL;
	}
	for (;;)
	{
		size_t		i = __atomic_fetch_add(&j->next, 1, __ATOMIC_SEQ_CST);

		if (i >= j->to || __atomic_load_n(&j->failed, __ATOMIC_SEQ_CST))
			break;
		if (!j->step(j->g, &s, i, j->arg))
		{
			__atomic_store_n(&j->failed, 1, __ATOMIC_SEQ_CST);
			break;
		}
	}
	scratch_free(&s);
	return NULL;
}

/* Run a job on nthreads threads, this one included; 0 when it failed. */
static int
run_job(job *j, int nthreads)
{
	pthread_t	th[MAX_THREADS];
	int			started = 0;
	sigset_t	all,
				old;

	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	if (nthreads > 1 && j->to - j->next > 64)
	{
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		for (int t = 0; t < nthreads - 1; t++)
			if (pthread_create(&th[t], NULL, worker, j) == 0)
				started++;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	worker(j);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	return !j->failed;
}

static int
link_step(of_hnsw *g, scratch *s, size_t node, void *arg)
{
	return insert_node(g, s, (uint32_t) node);
}

of_status
of_hnsw_link(of_hnsw *g, size_t from, size_t to, int nthreads, of_error *err)
{
	job			j = {g, link_step, NULL, from, to, 0};

	if (to > g->n || from > to)
		return of_fail(err, OF_EINVAL, "bad node range");
	/* The first node of an empty graph must be alone: it becomes the entry. */
	if (g->entry < 0 && from < to)
		worker(&(job) {g, link_step, NULL, from, from + 1, 0}), j.next = from + 1;
	if (!run_job(&j, nthreads))
		return of_fail(err, OF_ENOMEM, "out of memory linking the graph");
	return OF_OK;
}

/* Level-0 breadth-first search from start, marking seen; returns nodes reached. */
static size_t
bfs0(const of_hnsw *g, uint32_t start, uint8_t *seen, uint32_t *queue)
{
	size_t		head = 0,
				tail = 0;

	if (seen[start])
		return 0;
	seen[start] = 1;
	queue[tail++] = start;
	while (head < tail)
	{
		const int32_t *l = list_at(g, queue[head++], 0);

		for (int i = 0; i < l[0]; i++)
			if (!seen[l[i + 1]])
			{
				seen[l[i + 1]] = 1;
				queue[tail++] = (uint32_t) l[i + 1];
			}
	}
	return tail;
}

of_status
of_hnsw_connect(of_hnsw *g, size_t *repaired, of_error *err)
{
	uint8_t    *seen;
	uint32_t   *queue;
	uint32_t   *indeg;
	uint32_t	found[64];
	int			ef = g->ef < 64 ? g->ef : 64;
	float	   *ux,
			   *bx;

	*repaired = 0;
	if (g->entry < 0)
		return OF_OK;
	seen = calloc(g->n, 1);
	queue = malloc(g->n * sizeof(uint32_t));
	indeg = calloc(g->n, sizeof(uint32_t));
	ux = malloc(2 * g->dim * sizeof(float));
	bx = ux + g->dim;
	if (!seen || !queue || !indeg || !ux)
	{
		free(seen);
		free(queue);
		free(indeg);
		free(ux);
		return of_fail(err, OF_ENOMEM, "out of memory");
	}
	for (size_t v = 0; v < g->n; v++)
	{
		const int32_t *l = list_at(g, v, 0);

		for (int i = 0; i < l[0]; i++)
			indeg[l[i + 1]]++;
	}
	bfs0(g, (uint32_t) g->entry, seen, queue);
	for (size_t u = 0; u < g->n; u++)
	{
		size_t		k;
		long		best = -1;
		int32_t    *l;
		float	   *ld,
					d;

		if (seen[u])
			continue;
		if (of_cancelled())
		{
			free(seen);
			free(queue);
			free(indeg);
			free(ux);
			return of_fail(err, OF_ECANCELED, "canceled");
		}
		/* The nearest reachable nodes to u: link the best one to u. */
		k = of_hnsw_search(g, node_vec(g, u, ux), (size_t) ef, ef, found, err);
		for (size_t i = 0; i < k && best < 0; i++)
			if (seen[found[i]] && list_at(g, found[i], 0)[0] < g->m0)
				best = found[i];
		for (size_t i = 0; i < k && best < 0; i++)
			if (seen[found[i]])
				best = found[i];
		if (best < 0)
			best = g->entry;
		l = list_at(g, (size_t) best, 0);
		ld = dists_at(g, (size_t) best, 0);
		d = of_l2_squared(node_vec(g, (size_t) best, bx), node_vec(g, u, ux), g->dim);
		if (l[0] < g->m0)
		{
			if (ld != NULL)
				ld[l[0]] = d;
			l[++l[0]] = (int32_t) u;
		}
		else
		{
			/* Give up the link whose target other nodes also reach most. */
			int			drop = 1;

			for (int i = 2; i <= l[0]; i++)
				if (indeg[l[i]] > indeg[l[drop]])
					drop = i;
			indeg[l[drop]]--;
			l[drop] = (int32_t) u;
			if (ld != NULL)
				ld[drop - 1] = d;
		}
		indeg[u]++;
		(*repaired)++;
		bfs0(g, (uint32_t) u, seen, queue);
	}
	free(seen);
	free(queue);
	free(indeg);
	free(ux);
	return OF_OK;
}

/* What the threads of of_hnsw_fill share. */
typedef struct fill_job
{
	const uint16_t *chosen;		/* each level-0 list's length before filling */
	size_t		added;
} fill_job;

/*
 * Top up node v's level-0 list from the nodes two links away through its
 * FILL_VIA nearest links.  Reads other lists only up to their chosen
 * length, which filling never changes: threads need no locks.
 */
static int
fill_step(of_hnsw *g, scratch *s, size_t v, void *arg)
{
	fill_job   *f = arg;
	int32_t    *l = list_at(g, v, 0);
	float	   *ld = dists_at(g, v, 0);
	const float *d = ld;
	float		own[2 * OF_HNSW_MAX_M];
	probe		base;
	size_t		room = (size_t) (g->m0 - l[0]),
				cnt = 0;
	int			via[2 * OF_HNSW_MAX_M];

	if (room == 0)
		return 1;
	probe_init(g, s, node_vec(g, v, s->qx), &base);
	if (ld == NULL)
	{
		for (int i = 0; i < l[0]; i++)
			own[i] = probe_dist(g, &base, (size_t) l[i + 1]);
		d = own;
	}
	/* The nearest links first: the list is in the order links came. */
	for (int i = 0; i < l[0]; i++)
	{
		int			j = i;

		while (j > 0 && d[via[j - 1]] > d[i])
		{
			via[j] = via[j - 1];
			j--;
		}
		via[j] = i;
	}
	new_epoch(s);
	s->mark[v] = s->epoch;
	for (int i = 0; i < l[0]; i++)
		s->mark[l[i + 1]] = s->epoch;
	for (int i = 0; i < l[0] && i < FILL_VIA; i++)
	{
		int32_t		u = l[via[i] + 1];
		const int32_t *ul = list_at(g, (size_t) u, 0);

		for (int j = 0; j < f->chosen[u]; j++)
			if (s->mark[ul[j + 1]] != s->epoch)
			{
				s->mark[ul[j + 1]] = s->epoch;
				s->two[cnt++] = ul[j + 1];
			}
	}
	for (size_t i = 0; i < cnt && i < FILL_PREFETCH_AHEAD; i++)
		PREFETCH_NODE(g, s->two[i]);
	for (size_t i = 0; i < cnt; i++)
	{
		int32_t		c = s->two[i];

		if (i + FILL_PREFETCH_AHEAD < cnt)
			PREFETCH_NODE(g, s->two[i + FILL_PREFETCH_AHEAD]);
		if (of_heap_keep_nearest(&s->res, room,
								 probe_dist(g, &base, (size_t) c),
								 (uint32_t) c) != OF_OK)
			return 0;
	}
	/* Nearest first, after the links the heuristic chose. */
	cnt = s->res.n;
	for (size_t i = cnt; i-- > 0;)
	{
		of_heap_item it = of_heap_pop(&s->res);

		l[1 + l[0] + i] = (int32_t) it.id;
		if (ld != NULL)
			ld[l[0] + i] = it.d;
	}
	l[0] += (int32_t) cnt;
	__atomic_fetch_add(&f->added, cnt, __ATOMIC_SEQ_CST);
	return 1;
}

of_status
of_hnsw_fill(of_hnsw *g, int nthreads, size_t *added, of_error *err)
{
	uint16_t   *chosen = malloc((g->n ? g->n : 1) * sizeof(uint16_t));
	fill_job	f = {chosen, 0};
	of_status	rc = OF_OK;

	*added = 0;
	if (chosen == NULL)
		return of_fail(err, OF_ENOMEM, "out of memory");
	for (size_t v = 0; v < g->n; v++)
		chosen[v] = (uint16_t) list_at(g, v, 0)[0];
	/* In chunks: only this thread may ask of_cancelled(). */
	for (size_t from = 0; from < g->n && rc == OF_OK; from += FILL_CHUNK)
	{
		job			j = {g, fill_step, &f, from, from + FILL_CHUNK < g->n ? from + FILL_CHUNK : g->n, 0};

		if (!run_job(&j, nthreads))
			rc = of_fail(err, OF_ENOMEM, "out of memory");
		else if (of_cancelled())
			rc = of_fail(err, OF_ECANCELED, "canceled");
	}
	*added = f.added;
	free(chosen);
	return rc;
}

/* Breadth-first over level lists from start, appending unseen nodes to order. */
static size_t
bfs_level(const of_hnsw *g, uint32_t start, int level, uint8_t *seen,
		  uint32_t *order, size_t tail)
{
	size_t		head = tail;

	if (seen[start])
		return tail;
	seen[start] = 1;
	order[tail++] = start;
	while (head < tail)
	{
		const int32_t *l = list_at(g, order[head++], level);

		for (int i = 0; i < l[0]; i++)
			if (!seen[l[i + 1]])
			{
				seen[l[i + 1]] = 1;
				order[tail++] = (uint32_t) l[i + 1];
			}
	}
	return tail;
}

of_status
of_hnsw_order(const of_hnsw *g, uint32_t *order, of_error *err)
{
	uint8_t    *seen = calloc(g->n ? g->n : 1, 1);
	uint8_t    *placed = calloc(g->n ? g->n : 1, 1);
	uint32_t   *order0 = malloc((g->n ? g->n : 1) * sizeof(uint32_t));
	size_t		tail = 0,
				n0 = 0;

	if (seen == NULL || placed == NULL || order0 == NULL)
	{
		free(seen);
		free(placed);
		free(order0);
		return of_fail(err, OF_ENOMEM, "out of memory");
	}
	/* Upper-level nodes first, in level-1 order: scans start up there. */
	if (g->entry >= 0 && g->levels[g->entry] >= 1)
		tail = bfs_level(g, (uint32_t) g->entry, 1, placed, order, tail);
	for (size_t v = 0; v < g->n; v++)
		if (g->levels[v] >= 1 && !placed[v])
			tail = bfs_level(g, (uint32_t) v, 1, placed, order, tail);
	/* Then everything else in level-0 order. */
	if (g->entry >= 0)
		n0 = bfs_level(g, (uint32_t) g->entry, 0, seen, order0, n0);
	for (size_t v = 0; v < g->n; v++)
		if (!seen[v])
			n0 = bfs_level(g, (uint32_t) v, 0, seen, order0, n0);
	for (size_t i = 0; i < n0; i++)
		if (!placed[order0[i]])
		{
			placed[order0[i]] = 1;
			order[tail++] = order0[i];
		}
	free(seen);
	free(placed);
	free(order0);
	return OF_OK;
}

size_t
of_hnsw_search(const of_hnsw *g, const float *q, size_t k, int ef,
			   uint32_t *out, of_error *err)
{
	of_hnsw    *gm = (of_hnsw *) g;
	scratch		s;
	probe		p;
	uint32_t	ep;
	size_t		cnt;
	int			saved = gm->ef;

	if (g->entry < 0)
		return 0;
	if ((size_t) ef < k)
		ef = (int) k;
	gm->ef = ef;
	if (!scratch_init(&s, g))
	{
		gm->ef = saved;
		of_fail(err, OF_ENOMEM, "out of memory");
		return 0;
	}
	gm->ef = saved;
	probe_init(g, &s, q, &p);
	ep = (uint32_t) g->entry;
	for (int l = g->top; l > 0; l--)
		ep = greedy(gm, &p, ep, l);
	new_epoch(&s);
	s.mark[ep] = s.epoch;
	{
		float		d = probe_dist(g, &p, ep);

		if (of_heap_push(&s.cand, d, ep) != OF_OK || of_heap_push(&s.res, d, ep) != OF_OK ||
			!search_level(gm, &s, &p, 0, ef))
		{
			scratch_free(&s);
			of_fail(err, OF_ENOMEM, "out of memory");
			return 0;
		}
	}
	while (s.res.n > k)
		of_heap_pop(&s.res);
	cnt = s.res.n;
	for (size_t i = cnt; i-- > 0;)
		out[i] = of_heap_pop(&s.res).id;
	scratch_free(&s);
	return cnt;
}
