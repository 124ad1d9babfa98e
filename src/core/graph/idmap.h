/*
 * An open-addressing hash map from 64-bit keys (e.g. packed page/offset
 * addresses of graph elements) to 32-bit values: the "visited" set of a
 * graph search that also remembers where each visited element's state lives.
 */
#ifndef OF_GRAPH_IDMAP_H
#define OF_GRAPH_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

typedef struct of_idmap
{
	uint64_t   *keys;			/* key + 1; 0 marks an empty slot */
	uint32_t   *vals;
	size_t		mask;
	size_t		n;
} of_idmap;

of_status	of_idmap_init(of_idmap *m, size_t expected);
void		of_idmap_free(of_idmap *m);
void		of_idmap_clear(of_idmap *m);

/*
 * Look key up; when absent insert it with value val and set *found = 0.
 * Either way *slotval points at the stored value.
 */
of_status	of_idmap_put(of_idmap *m, uint64_t key, uint32_t val, int *found,
						 uint32_t **slotval);

/* Stored value or UINT32_MAX when absent. */
uint32_t	of_idmap_get(const of_idmap *m, uint64_t key);

#endif
