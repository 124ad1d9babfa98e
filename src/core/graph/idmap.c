#include "graph/idmap.h"

#include <stdlib.h>
#include <string.h>

of_status
of_idmap_init(of_idmap *m, size_t expected)
{
	size_t		cap = 64;

	while (cap < expected * 2)
		cap <<= 1;
	m->keys = calloc(cap, sizeof(uint64_t));
	m->vals = malloc(cap * sizeof(uint32_t));
	if (m->keys == NULL || m->vals == NULL)
	{
		free(m->keys);
		free(m->vals);
		m->keys = NULL;
		m->vals = NULL;
		return OF_ENOMEM;
	}
	m->mask = cap - 1;
	m->n = 0;
	return OF_OK;
}

void
of_idmap_free(of_idmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->n = 0;
}

void
of_idmap_clear(of_idmap *m)
{
	memset(m->keys, 0, (m->mask + 1) * sizeof(uint64_t));
	m->n = 0;
}

static of_status
grow(of_idmap *m)
{
	of_idmap	nm;
	size_t		i;

	if (of_idmap_init(&nm, (m->mask + 1)) != OF_OK)
		return OF_ENOMEM;
	for (i = 0; i <= m->mask; i++)
	{
		size_t		j;

		if (m->keys[i] == 0)
			continue;
		j = of_idmap_hash(m->keys[i]) & nm.mask;
		while (nm.keys[j] != 0)
			j = (j + 1) & nm.mask;
		nm.keys[j] = m->keys[i];
		nm.vals[j] = m->vals[i];
	}
	nm.n = m->n;
	of_idmap_free(m);
	*m = nm;
	return OF_OK;
}

of_status
of_idmap_put(of_idmap *m, uint64_t key, uint32_t val, int *found,
			 uint32_t **slotval)
{
	uint64_t	k = key + 1;
	size_t		j;

	if ((m->n + 1) * 2 > m->mask + 1 && grow(m) != OF_OK)
		return OF_ENOMEM;
	j = of_idmap_hash(k) & m->mask;
	while (m->keys[j] != 0)
	{
		if (m->keys[j] == k)
		{
			*found = 1;
			*slotval = &m->vals[j];
			return OF_OK;
		}
		j = (j + 1) & m->mask;
	}
	m->keys[j] = k;
	m->vals[j] = val;
	m->n++;
	*found = 0;
	*slotval = &m->vals[j];
	return OF_OK;
}

uint32_t
of_idmap_get(const of_idmap *m, uint64_t key)
{
	uint64_t	k = key + 1;
	size_t		j = of_idmap_hash(k) & m->mask;

	while (m->keys[j] != 0)
	{
		if (m->keys[j] == k)
			return m->vals[j];
		j = (j + 1) & m->mask;
	}
	return UINT32_MAX;
}
