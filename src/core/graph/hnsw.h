/*
 * An in-memory HNSW graph over float vectors (squared L2), or, once
 * compacted, over their 8-bit codes, used to build an index quickly before
 * it is written to disk pages.  Nodes are numbered in the order they are
 * appended; linking can run on several threads.
 *
 * The worker threads block all signals and touch nothing but this module's
 * own memory, so the host (a PostgreSQL backend) can call it safely.
 */
#ifndef OF_GRAPH_HNSW_H
#define OF_GRAPH_HNSW_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "graph/sq8.h"

#define OF_HNSW_MAX_LEVEL 15
/* Most links per node above level 0 (level 0 holds twice as many). */
#define OF_HNSW_MAX_M	256

typedef struct of_hnsw of_hnsw;

/* m: links per node above level 0 (2m at level 0); ef: build search width. */
of_hnsw    *of_hnsw_create(size_t dim, int m, int ef, uint64_t seed, of_error *err);
void		of_hnsw_free(of_hnsw *g);

/* Level an element gets for a random 64-bit value, with mL = 1 / ln(m). */
int			of_hnsw_random_level(uint64_t r, int m);

/* Copy one vector in (not linked yet); returns its node number or -1. */
long		of_hnsw_append(of_hnsw *g, const float *v, of_error *err);

/* Link nodes [from, to) into the graph using nthreads threads. */
of_status	of_hnsw_link(of_hnsw *g, size_t from, size_t to, int nthreads, of_error *err);

/*
 * Bytes currently allocated; the bytes one more node adds on average, and
 * would once the graph is compact; what the node arrays will reserve at the
 * next append (0 unless they are full).
 */
size_t		of_hnsw_bytes(const of_hnsw *g);
size_t		of_hnsw_node_bytes(const of_hnsw *g);
size_t		of_hnsw_compact_node_bytes(const of_hnsw *g);
size_t		of_hnsw_growth_bytes(const of_hnsw *g);

/*
 * Trade the float vectors for 8-bit codes (of_sq8 fitted to the vectors so
 * far; later appends are encoded on arrival), a quarter of their memory, so
 * a build that outgrows its memory goes on in memory.  Searches and pruning
 * then use the decoded vectors, as an index on disk does.  Not while
 * of_hnsw_link or of_hnsw_fill runs; needs at least one node.
 */
of_status	of_hnsw_compact(of_hnsw *g, of_error *err);

/*
 * Move a compact graph's node data -- codes, residual norms, levels and
 * neighbour lists -- into the caller's region of bytes (aligned to a
 * double), with room for max_nodes nodes in all: of_hnsw_spill_bytes says
 * how many bytes that takes.  Only the lists' addresses stay in the graph's
 * own memory, reserved for max_nodes now, so a build past its memory can
 * go on in a file mapping.  Appends go into the region until of_hnsw_room
 * says it is full.  The region must stay until of_hnsw_free, which leaves
 * it alone.  Not while of_hnsw_link or of_hnsw_fill runs.
 */
size_t		of_hnsw_spill_bytes(const of_hnsw *g, size_t max_nodes);
of_status	of_hnsw_spill(of_hnsw *g, void *region, size_t bytes, size_t max_nodes,
						  of_error *err);

/* The graph's own memory once spilled with room for max_nodes nodes. */
size_t		of_hnsw_spilled_bytes(const of_hnsw *g, size_t max_nodes);

/* Whether one more node fits: always, unless a spill region is full. */
int			of_hnsw_room(const of_hnsw *g);

/* A compact graph's quantiser, NULL before of_hnsw_compact. */
const of_sq8 *of_hnsw_quantizer(const of_hnsw *g);

/* A compact graph's code of node, and its residual norm in *resid. */
const uint8_t *of_hnsw_code(const of_hnsw *g, size_t node, float *resid);

size_t		of_hnsw_count(const of_hnsw *g);
long		of_hnsw_entry(const of_hnsw *g);
int			of_hnsw_level(const of_hnsw *g, size_t node);
/* Node's vector; NULL once the graph is compact. */
const float *of_hnsw_vector(const of_hnsw *g, size_t node);

/* Neighbours of node at level (count in *n). */
const int32_t *of_hnsw_neighbours(const of_hnsw *g, size_t node, int level, int *n);

/* Their squared distances from node, in the same order (kept for pruning). */
const float *of_hnsw_distances(const of_hnsw *g, size_t node, int level);

/*
 * Make every node reachable from the entry point at level 0: the pruning of
 * full neighbour lists can drop the only links into a tight cluster.  Each
 * island gets a link from its nearest reachable node.  *repaired counts the
 * links added.
 */
of_status	of_hnsw_connect(of_hnsw *g, size_t *repaired, of_error *err);

/*
 * Fill the room pruning left in level-0 lists, using nthreads threads, with
 * each node's nearest nodes two links away (one-way links, not pruned: the
 * heuristic's links still lead the way, these find more near nodes per
 * node read).  The same graph whatever nthreads.  *added counts the links.
 */
of_status	of_hnsw_fill(of_hnsw *g, int nthreads, size_t *added, of_error *err);

/*
 * A storage order with good locality: the upper-level nodes first,
 * breadth-first over level 1 from the entry point (searches start there),
 * then the rest breadth-first over level 0, so linked nodes tend to share a
 * disk page.  order gets count() entries.
 */
of_status	of_hnsw_order(const of_hnsw *g, uint32_t *order, of_error *err);

/* k nearest nodes to q (for tests); returns how many were written. */
size_t		of_hnsw_search(const of_hnsw *g, const float *q, size_t k, int ef,
						   uint32_t *out, of_error *err);

#endif
