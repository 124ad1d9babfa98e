/*
 * Clustering of embeddings: DBSCAN, k-means++ and chinese whispers.
 *
 * Input: n rows of dim floats, row-major.  Output: labels[n], dense cluster
 * ids 0, 1, ... numbered in order of each cluster's first row, -1 for noise
 * (DBSCAN only).  All three are deterministic for the same input in the same
 * order (k-means and chinese whispers use a seeded private generator).
 *
 * Distances come in tiles from OpenBLAS sgemm, |a|^2 + |b|^2 - 2 a.b, over
 * the upper triangle only; pairs whose tile value lies within float rounding
 * of the radius are recomputed exactly, so "within eps" agrees with
 * of_l2_squared(a, b) <= eps^2.
 *
 * Memory, besides the caller's input:
 *   DBSCAN, chinese whispers: one 4 MiB distance tile, O(n) words, and the
 *     neighbour graph: 16 bytes per pair within the radius while it is built,
 *     8 bytes per pair after; max_bytes (0 = no limit) caps the total, beyond
 *     which they fail with OF_ELIMIT rather than grow.
 *   k-means: k x dim centroids (float and double), one 256 x k distance
 *     tile, O(n) words.
 * Long loops poll of_cancelled() and return OF_ECANCELED.
 */
#ifndef OF_CLUSTER_H
#define OF_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/*
 * DBSCAN: a row with at least minpts rows within eps (itself included) is a
 * core row; clusters are the core rows connected through eps-neighbours plus
 * the non-core rows within eps of one (assigned to the first cluster to
 * reach them in row order).  The rest is noise (-1).
 */
of_status	of_cluster_dbscan(const float *x, size_t n, size_t dim, double eps,
							  int minpts, size_t max_bytes, int *labels,
							  int *nclusters, of_error *err);

/*
 * k-means (Lloyd) from greedy k-means++ seeding; 1 <= k <= n.  Equal rows
 * always share a cluster.  An empty cluster takes the row farthest from its
 * centroid (among clusters with 2+ rows) and every row equal to it, so there
 * are exactly k clusters unless fewer than k rows are distinct (then one per
 * distinct row; ids stay dense from 0).  Each run stops when no row
 * moves, or after max_iter rounds (<= 0: 100); of runs (<= 0: 3) runs from
 * different seeds, the one with the least squared error is kept, since one
 * unlucky seeding can leave two small clusters merged for good.
 */
of_status	of_cluster_kmeans(const float *x, size_t n, size_t dim, int k,
							  uint64_t seed, int max_iter, int runs,
							  int *labels, of_error *err);

/*
 * Chinese whispers (Biemann 2006, as dlib clusters faces): rows closer than
 * threshold are joined by an edge; each round visits the rows in a seeded
 * random order and gives each the label most common among its neighbours
 * (ties: the one of the earliest row).  Rows without neighbours are clusters
 * of their own.  Stops when a round changes nothing, or after iterations
 * rounds (<= 0: 100).  A row's place in a round's order is a hash of its key
 * (keys NULL: of its position) and the round, so adding a row leaves the
 * others' order, and mostly their clusters, as they were.
 */
of_status	of_cluster_chinese_whispers(const float *x, size_t n, size_t dim,
										double threshold, int iterations,
										uint64_t seed, const int64_t *keys,
										size_t max_bytes, int *labels,
										int *nclusters, of_error *err);

/*
 * Stable cluster ids: ids[i] = the smallest keys[j] over the rows j of row
 * i's cluster (labels as above: dense from 0, negative = in no cluster,
 * whose ids[i] is left alone).  A cluster is named after a member, so rows
 * added, removed or reordered elsewhere cannot rename it; only a change of
 * its own membership can.  Keys must be unique among the rows with a
 * label >= 0, else OF_EINVAL naming the repeated key.  ids may be keys.
 */
of_status	of_cluster_ids_by_key(const int *labels, const int64_t *keys, size_t n,
								  int64_t *ids, of_error *err);

/* What a clustering looks like, to choose its radius by. */
typedef struct of_cluster_shape
{
	size_t		clusters;		/* clusters of two rows or more */
	size_t		singletons;		/* rows in no such cluster (noise included) */
	size_t		largest;		/* rows of the largest cluster (1 if all alone, 0 if none) */
} of_cluster_shape;

/* Shape of labels[n] as above (dense from 0, negative = noise). */
of_status	of_cluster_shape_of(const int *labels, size_t n, of_cluster_shape *shape,
								of_error *err);

#endif
