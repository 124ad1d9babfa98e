#include "heap.h"

#include <stdlib.h>

void
of_heap_init(of_heap *h, int max)
{
	h->a = NULL;
	h->n = 0;
	h->cap = 0;
	h->max = max;
	h->settled = 0;
}

void
of_heap_free(of_heap *h)
{
	free(h->a);
	h->a = NULL;
	h->n = h->cap = h->settled = 0;
}

void
of_heap_clear(of_heap *h)
{
	h->n = h->settled = 0;
}

/*
 * The sifts move a hole and write the moving item once, and a bounded
 * result set replaces its top in one sift instead of a push and a pop: the
 * build's searches spent 14% of their time in these heaps, and 100k
 * realistic rows (bench/graph_link, one thread) linked in 21.2 s against
 * 22.8.
 */

/* True when distance x must sit above distance y. */
static inline int
above(int max, float x, float y)
{
	return max ? x > y : x < y;
}

/* Move the item at hole i up to its place, as x. */
static inline void
sift_up(of_heap *h, size_t i, of_heap_item x)
{
	while (i > 0)
	{
		size_t		p = (i - 1) / 2;

		if (!above(h->max, x.d, h->a[p].d))
			break;
		h->a[i] = h->a[p];
		i = p;
	}
	h->a[i] = x;
}

/* Move x down from the hole at the top to its place. */
static inline void
sift_down(of_heap *h, of_heap_item x)
{
	size_t		i = 0,
				n = h->n;

	for (;;)
	{
		size_t		c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && above(h->max, h->a[c + 1].d, h->a[c].d))
			c++;
		if (!above(h->max, h->a[c].d, x.d))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	h->a[i] = x;
}

/*
 * Put the appended items in order.  A scan's pool takes most of the rows it
 * reads and a plain LIMIT 10 never pops it: appending them instead of
 * pushing answered 403-428 queries a second against 388-409 (1M realistic
 * rows, ef_search 224, three rounds interleaved).
 */
static inline void
settle(of_heap *h)
{
	for (; h->settled < h->n; h->settled++)
		sift_up(h, h->settled, h->a[h->settled]);
}

/* Room for one more item. */
static of_status
reserve(of_heap *h)
{
	if (h->n == h->cap)
	{
		size_t		ncap = h->cap ? h->cap * 2 : 64;
		of_heap_item *na = realloc(h->a, ncap * sizeof(*na));

		if (na == NULL)
			return OF_ENOMEM;
		h->a = na;
		h->cap = ncap;
	}
	return OF_OK;
}

of_status
of_heap_append(of_heap *h, float d, uint32_t id)
{
	if (reserve(h) != OF_OK)
		return OF_ENOMEM;
	h->a[h->n++] = (of_heap_item) {d, id};
	return OF_OK;
}

of_status
of_heap_push(of_heap *h, float d, uint32_t id)
{
	settle(h);
	if (reserve(h) != OF_OK)
		return OF_ENOMEM;
	sift_up(h, h->n++, (of_heap_item) {d, id});
	h->settled = h->n;
	return OF_OK;
}

of_heap_item
of_heap_pop(of_heap *h)
{
	of_heap_item top;

	settle(h);
	top = h->a[0];
	if (--h->n > 0)
		sift_down(h, h->a[h->n]);
	h->settled = h->n;
	return top;
}

of_heap_item
of_heap_replace_top(of_heap *h, float d, uint32_t id)
{
	of_heap_item top;

	settle(h);
	top = h->a[0];
	sift_down(h, (of_heap_item) {d, id});
	return top;
}

of_status
of_heap_keep_nearest(of_heap *h, size_t cap, float d, uint32_t id)
{
	if (h->n >= cap)
	{
		if (cap == 0 || !(d < h->a[0].d))
			return OF_OK;
		(void) of_heap_replace_top(h, d, id);
		return OF_OK;
	}
	return of_heap_push(h, d, id);
}
