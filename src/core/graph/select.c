#include "graph/select.h"

#include "distance.h"

size_t
of_graph_select(const float *const *vecs, const float *d2, size_t n,
				size_t keep, size_t dim, size_t *out)
{
	size_t		k = 0;

	for (size_t i = 0; i < n && k < keep; i++)
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
