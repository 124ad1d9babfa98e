/*
 * Test-time augmentation of a face chip: fixed views whose descriptors are
 * averaged into one.  View 0 is the chip itself, view 1 its mirror image,
 * views 2.. small similarities of the chip about its centre with the ranges
 * dlib uses for its published LFW figure (rotation within 3 degrees, the
 * face filling 0.97-1 of a box 3 px inside the chip, shifts within 2 % of
 * it), every other one mirrored.  View k is the same for every photo and
 * every run: the same photo always gets the same descriptor.  The pipeline
 * puts two views of the other chip geometry before views 2.. (pipeline.h).
 */
#ifndef OF_JITTER_H
#define OF_JITTER_H

#include "align.h"

/* Most extra views a descriptor may average (dlib's own example uses 100). */
#define OF_JITTER_MAX 100

typedef struct of_jitter_view
{
	of_similarity map;			/* view pixel → chip pixel */
	int			mirror;			/* flip the sampled view left-right */
} of_jitter_view;

/* View k (0 <= k <= OF_JITTER_MAX) of a size x size chip. */
void		of_jitter_view_get(int k, int size, of_jitter_view *v);

#endif
