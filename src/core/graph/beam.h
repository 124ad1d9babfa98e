/*
 * The best-first beam search of one graph level, shared by the in-memory
 * build (graph/hnsw.c), the index's inserts and VACUUM (facegraph/fggraph.c)
 * and its scans (facegraph/fgscan.c).  What differs between them -- how a
 * node's neighbour list is read, what "seen" means, how a distance is
 * computed -- is the caller's expand callback; the loop, its stopping rule
 * and the bounded result set are here, once.
 *
 * Contract: the caller seeds cand (min-heap) and res (max-heap, at most
 * width entries) with the entry points.  The loop pops the nearest
 * candidate while it is no farther than the farthest result (or res has
 * room), asks expand for that node's neighbours not seen before, and keeps
 * each one that is nearer than the farthest result (or fits): as a
 * candidate, and as a result unless it is dead.  Dead nodes (deleted index
 * elements) still lead on but are never results.  Results pushed out of
 * res, and live neighbours too far for it, go to pool when one is given
 * (a streaming scan resumes from them), appended out of order until the
 * pool is popped (of_heap_append); otherwise they are dropped.  A
 * candidate left unexpanded when the loop stops stays on top of cand.
 */
#ifndef OF_GRAPH_BEAM_H
#define OF_GRAPH_BEAM_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "heap.h"

/* A neighbour reported by expand: its id (the caller's), distance, flags. */
typedef struct of_beam_step
{
	float		d;
	uint32_t	id;
	int			dead;			/* leads on, never a result */
} of_beam_step;

/*
 * Write node id's neighbours that were not seen before to out (at most the
 * caller's step capacity) and return how many.
 */
typedef int (*of_beam_expand) (void *arg, uint32_t id, of_beam_step *out);

typedef struct of_beam
{
	of_heap    *cand;			/* min-heap: to expand */
	of_heap    *res;			/* max-heap: the width nearest live nodes */
	of_heap    *pool;			/* optional: nodes that did not stay in res */
	size_t		width;			/* at least 1 */
	of_beam_step *steps;		/* scratch for expand's output */
	of_beam_expand expand;
	void	   *arg;
} of_beam;

/* Run the search; OF_ENOMEM if a heap could not grow. */
of_status	of_beam_search(const of_beam *b);

#endif
