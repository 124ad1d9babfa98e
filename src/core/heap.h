/*
 * Binary heaps of (distance, id) pairs, for graph searches and the SVM's
 * nearest negatives.  A min-heap pops the nearest entry first; a max-heap
 * (same struct, max = 1) keeps the farthest on top so that a bounded result
 * set can drop its worst member (of_heap_keep_nearest).
 */
#ifndef OF_HEAP_H
#define OF_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

typedef struct of_heap_item
{
	float		d;
	uint32_t	id;
} of_heap_item;

typedef struct of_heap
{
	of_heap_item *a;
	size_t		n;
	size_t		cap;
	int			max;			/* 1: largest d on top, 0: smallest */
	size_t		settled;		/* a[0..settled) is in heap order */
} of_heap;

void		of_heap_init(of_heap *h, int max);
void		of_heap_free(of_heap *h);
/* Empty the heap, keeping its array. */
void		of_heap_clear(of_heap *h);
of_status	of_heap_push(of_heap *h, float d, uint32_t id);

/*
 * Add (d, id) without putting it in order: for items that may never be
 * popped, such as a scan's pool of rows beyond its first batch.  Push, pop
 * and replace_top put the items appended since in order first;
 * of_heap_top may only be read when none are pending.
 */
of_status	of_heap_append(of_heap *h, float d, uint32_t id);
of_heap_item of_heap_pop(of_heap *h);
/* Pop the top of a non-empty heap and push (d, id), in one pass. */
of_heap_item of_heap_replace_top(of_heap *h, float d, uint32_t id);

static inline const of_heap_item *
of_heap_top(const of_heap *h)
{
	return h->n ? &h->a[0] : NULL;
}

/*
 * In a max-heap holding the nearest items seen so far: add (d, id) if the
 * heap has fewer than cap items or d is nearer than its farthest (ties keep
 * the earlier item).
 */
of_status	of_heap_keep_nearest(of_heap *h, size_t cap, float d, uint32_t id);

#endif
