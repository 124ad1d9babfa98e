/* The one beam search of a graph level; contract in beam.h. */
#include "beam.h"

static int
fits(const of_beam *b, float d)
{
	return b->res->n < b->width || d < of_heap_top(b->res)->d;
}

of_status
of_beam_search(const of_beam *b)
{
	while (b->cand->n)
	{
		of_heap_item c = *of_heap_top(b->cand);
		int			n;

		if (b->res->n >= b->width && c.d > of_heap_top(b->res)->d)
			break;
		(void) of_heap_pop(b->cand);
		n = b->expand(b->arg, c.id, b->steps);
		for (int i = 0; i < n; i++)
		{
			const of_beam_step *s = &b->steps[i];

			if (!fits(b, s->d))
			{
				if (b->pool && !s->dead && of_heap_append(b->pool, s->d, s->id) != OF_OK)
					return OF_ENOMEM;
				continue;
			}
			if (of_heap_push(b->cand, s->d, s->id) != OF_OK)
				return OF_ENOMEM;
			if (s->dead)
				continue;
			if (b->res->n < b->width)
			{
				if (of_heap_push(b->res, s->d, s->id) != OF_OK)
					return OF_ENOMEM;
			}
			else
			{
				of_heap_item out = of_heap_replace_top(b->res, s->d, s->id);

				if (b->pool && of_heap_append(b->pool, out.d, out.id) != OF_OK)
					return OF_ENOMEM;
			}
		}
	}
	return OF_OK;
}
