/*
 * Neighbour selection for navigable graphs (the HNSW "heuristic"): walk the
 * candidates from nearest to farthest and keep one only when it is closer to
 * the base than to every neighbour kept so far.  This keeps links pointing in
 * different directions, which matters for clustered data such as faces
 * (many samples per identity) where plain "closest m" links would all stay
 * inside one cluster.
 */
#ifndef OF_GRAPH_SELECT_H
#define OF_GRAPH_SELECT_H

#include <stddef.h>

/*
 * vecs[i] is candidate i (dim floats), d2[i] its squared distance to the base,
 * with d2 ascending.  Writes the indexes of at most keep chosen candidates to
 * out and returns how many.  A candidate is dropped when a neighbour already
 * kept is closer to it than the base is.  (Relaxing that by a factor, as
 * DiskANN does, kept more but less diverse links and lowered recall on
 * face-like data: measured, not adopted.)
 */
size_t		of_graph_select(const float *const *vecs, const float *d2, size_t n,
							size_t keep, size_t dim, size_t *out);

#endif
