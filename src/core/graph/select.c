#include "graph/select.h"

#include "distance.h"

size_t
of_graph_select(const float *const *vecs, const float *d2, size_t n,
				size_t keep, size_t dim, size_t *out)
{
	return of_graph_select_more(vecs, d2, 0, n, keep, dim, out, 0);
}

size_t
of_graph_select_more(const float *const *vecs, const float *d2,
					 size_t from, size_t n, size_t keep, size_t dim,
					 size_t *out, size_t k)
{
	for (size_t i = from; i < n && k < keep; i++)
	{
		int			good = 1;

		for (size_t j = 0; j < k; j++)
		{
			if (of_l2_squared(vecs[i], vecs[out[j]], dim) < d2[i])
			{
				good = 0;
				break;
			}
		}
		if (good)
			out[k++] = i;
	}
	return k;
}
