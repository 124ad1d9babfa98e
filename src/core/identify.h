/*
 * Open-set identification from a labelled gallery: who is this, or nobody.
 *
 * The rule, given the query's k nearest gallery faces: group them by label,
 * take the distance d1 from the query to the mean of the best label's faces
 * and d2 to the mean of the next label's, and name the best label when
 *
 *     score = d1 - OF_IDENTIFY_MARGIN_WEIGHT * (d2 - d1) < threshold.
 *
 * A label several faces agree on, far ahead of the next, is named at a
 * larger distance than a lone face among look-alikes.  With one label among
 * the neighbours there is no margin: score = d1.
 *
 * Chosen on LFW view 1 (`bench/open_set`, 4,989 photos, raw descriptors)
 * against the nearest face alone and a distance ratio.  With the default
 * descriptors (mirror view averaged in), at the threshold that names 1% of
 * strangers it names 68.5% of known probes with 1,165 people x 1 photo in
 * the gallery (nearest face: 55.9%) and 94.8% with 100 people x 3 (nearest
 * face: 91.3%; 172 probes, so +-2 points); one view: 61.6% and 92.4%.  At
 * the default threshold 0.40 it named 0-1.7% of strangers at every gallery
 * size tried (10 to 1,165 people), where the verification threshold 0.6 on
 * the nearest face names 11-95% of them.
 */
#ifndef OF_IDENTIFY_H
#define OF_IDENTIFY_H

#include <stddef.h>

#include "common.h"

#define OF_IDENTIFY_DEFAULT_K			20
#define OF_IDENTIFY_MAX_K				1000
#define OF_IDENTIFY_DEFAULT_THRESHOLD	0.40
#define OF_IDENTIFY_MARGIN_WEIGHT		0.5

typedef struct of_identity
{
	int			label;			/* the best label's id, -1 without neighbours */
	int			named;			/* score below the threshold */
	float		distance;		/* d1 */
	float		runner_up;		/* d2 (d1 when no other label is near) */
	float		score;
	float		confidence;		/* 1 - score / threshold in [0, 1]; 0 unless named */
} of_identity;

/*
 * q: the query (dim floats); x: its k nearest gallery faces (k x dim, any
 * order); label: their labels as small non-negative ids.
 */
of_status	of_identify(const float *q, const float *x, const int *label, size_t k,
						size_t dim, double threshold, of_identity *out, of_error *err);

/*
 * of_identify over the k nearest of n gallery faces (n x dim, labels
 * label[]), found by comparing q with each: for galleries held in memory
 * (the CLI, benchmarks); SQL gets its neighbours from the index.
 */
of_status	of_identify_gallery(const float *q, const float *gallery, const int *label, size_t n,
								size_t k, size_t dim, double threshold, of_identity *out,
								of_error *err);

#endif
