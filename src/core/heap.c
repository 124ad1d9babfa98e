#include "heap.h"

#include <stdlib.h>

void
of_heap_init(of_heap *h, int max)
{
	h->a = NULL;
	h->n = 0;
	h->cap = 0;
	h->max = max;
}

void
of_heap_free(of_heap *h)
{
	free(h->a);
	h->a = NULL;
	h->n = h->cap = 0;
}

/* True when x must sit above y. */
static inline int
above(const of_heap *h, const of_heap_item *x, const of_heap_item *y)
{
	return h->max ? x->d > y->d : x->d < y->d;
}

of_status
of_heap_push(of_heap *h, float d, uint32_t id)
{
	size_t		i;

	if (h->n == h->cap)
	{
		size_t		ncap = h->cap ? h->cap * 2 : 64;
		of_heap_item *na = realloc(h->a, ncap * sizeof(*na));

		if (na == NULL)
			return OF_ENOMEM;
		h->a = na;
		h->cap = ncap;
	}
	i = h->n++;
	h->a[i].d = d;
	h->a[i].id = id;
	while (i > 0)
	{
		size_t		p = (i - 1) / 2;
		of_heap_item t;

		if (!above(h, &h->a[i], &h->a[p]))
			break;
		t = h->a[p];
		h->a[p] = h->a[i];
		h->a[i] = t;
		i = p;
	}
	return OF_OK;
}

of_heap_item
of_heap_pop(of_heap *h)
{
	of_heap_item top = h->a[0];
	size_t		i = 0;

	h->a[0] = h->a[--h->n];
	for (;;)
	{
		size_t		l = 2 * i + 1,
					r = l + 1,
					b = i;
		of_heap_item t;

		if (l < h->n && above(h, &h->a[l], &h->a[b]))
			b = l;
		if (r < h->n && above(h, &h->a[r], &h->a[b]))
			b = r;
		if (b == i)
			break;
		t = h->a[b];
		h->a[b] = h->a[i];
		h->a[i] = t;
		i = b;
	}
	return top;
}

of_status
of_heap_keep_nearest(of_heap *h, size_t cap, float d, uint32_t id)
{
	if (h->n >= cap)
	{
		if (cap == 0 || !(d < h->a[0].d))
			return OF_OK;
		(void) of_heap_pop(h);
	}
	return of_heap_push(h, d, id);
}
