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

/* The slot a stored key (key + 1) hashes to is of_idmap_hash(key + 1) & mask. */
static inline size_t
of_idmap_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (size_t) k;
}

/*
 * Start loading key's first slot, for a caller that is about to look up
 * many keys: a macro, since GCC drops calls to functions that only
 * prefetch (distance.h).
 */
#define OF_IDMAP_PREFETCH(m, key) \
	do { \
		size_t		of_slot_ = of_idmap_hash((uint64_t) (key) + 1) & (m)->mask; \
		__builtin_prefetch(&(m)->keys[of_slot_]); \
		__builtin_prefetch(&(m)->vals[of_slot_], 1); \
	} while (0)

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
