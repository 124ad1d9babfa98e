/*
 * The shared beam search (graph/beam.c) on a path graph 0 - 1 - ... - 99
 * whose node i sits at position i on a line: the nearest nodes to a point
 * are known by hand, so the result set, dead nodes, the pool and the
 * stopping rule can be checked exactly.
 */
#include <math.h>
#include <string.h>

#include "graph/beam.h"
#include "unit.h"

#define NODES 100

typedef struct path
{
	float		q;				/* the query's position */
	int			seen[NODES];
	int			dead[NODES];
	int			expanded;
} path;

static int
expand(void *arg, uint32_t id, of_beam_step *out)
{
	path	   *p = arg;
	int			n = 0;

	p->expanded++;
	for (int step = -1; step <= 1; step += 2)
	{
		int			v = (int) id + step;

		if (v < 0 || v >= NODES || p->seen[v])
			continue;
		p->seen[v] = 1;
		out[n].id = (uint32_t) v;
		out[n].d = fabsf((float) v - p->q);
		out[n].dead = p->dead[v];
		n++;
	}
	return n;
}

/* Search from node 0 with the given width; results ascending in ids. */
static size_t
search(path *p, size_t width, of_heap *pool, uint32_t *ids, of_heap *cand_left)
{
	of_heap		cand,
				res;
	of_beam_step steps[2];
	of_beam		b;
	size_t		n;

	of_heap_init(&cand, 0);
	of_heap_init(&res, 1);
	p->seen[0] = 1;
	of_heap_push(&cand, p->q, 0);
	if (!p->dead[0])
		of_heap_push(&res, p->q, 0);
	b = (of_beam) {
		.cand = &cand, .res = &res, .pool = pool, .width = width,
		.steps = steps, .expand = expand, .arg = p
	};
	if (of_beam_search(&b) != OF_OK)
		return 0;
	n = res.n;
	for (size_t i = n; i-- > 0;)
		ids[i] = of_heap_pop(&res).id;
	*cand_left = cand;
	of_heap_free(&res);
	return n;
}

int
main(void)
{
	uint32_t	ids[NODES];
	of_heap		left;

	{
		path		p = {.q = 50.2f};
		size_t		n = search(&p, 5, NULL, ids, &left);

		ok(n == 5 && ids[0] == 50 && ids[1] == 51 && ids[2] == 49 && ids[3] == 52 && ids[4] == 48,
		   "the width nearest nodes, nearest first (%zu: %u %u %u %u %u)", n,
		   ids[0], ids[1], ids[2], ids[3], ids[4]);
		/* Walking 0..50 costs 51 expansions; the beam then stops within the width. */
		ok(p.expanded >= 51 && p.expanded <= 56, "stops once no candidate can improve (%d expanded)", p.expanded);
		of_heap_free(&left);
	}
	{
		path		p = {.q = 50.0f};
		size_t		n;

		for (int i = 45; i <= 50; i++)
			p.dead[i] = 1;
		n = search(&p, 3, NULL, ids, &left);
		ok(n == 3 && ids[0] == 51 && ids[1] == 52 && ids[2] == 53,
		   "dead nodes lead on but are never results (%u %u %u)", ids[0], ids[1], ids[2]);
		of_heap_free(&left);
	}
	{
		path		p = {.q = 30.0f};
		of_heap		pool;
		int			in[NODES] = {0},
					all = 1;
		size_t		n;

		p.dead[10] = 1;
		of_heap_init(&pool, 0);
		n = search(&p, 4, &pool, ids, &left);
		for (size_t i = 0; i < n; i++)
			in[ids[i]]++;
		for (size_t i = 0; i < pool.n; i++)
			in[pool.a[i].id]++;
		/* Every live node seen is a result or in the pool, exactly once. */
		for (int v = 0; v < NODES; v++)
			if (in[v] != (p.seen[v] && !p.dead[v]))
				all = 0;
		ok(n == 4 && all, "the pool keeps every live node that is not a result (%zu in pool)", pool.n);
		of_heap_free(&pool);
		of_heap_free(&left);
	}
	return unit_done();
}
