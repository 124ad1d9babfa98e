/*
 * Open-set identification from a labelled gallery: who is this, or nobody.
 *
 * The rule, given the query's k nearest gallery faces: compare directions
 * only (every descriptor scaled to OF_IDENTIFY_LENGTH), group the faces by
 * label, take the distance d1 from the query to the mean of the best label's
 * faces and d2 to the mean of the next label's, and name the best label when
 *
 *     score = d1 - OF_IDENTIFY_MARGIN_WEIGHT * (d2 - d1) < threshold.
 *
 * A label several faces agree on, far ahead of the next, is named at a
 * larger distance than a lone face among look-alikes.  With one label among
 * the neighbours there is no margin: score = d1.  A descriptor's length
 * varies from photo to photo of one person (sd 0.03 around 1.43), and a
 * query's length moves its distances to its own label and to strangers'
 * alike, which only blurs the threshold: directions named more known
 * probes at 1% of strangers on both protocols below.  Scaling them to the
 * mean length keeps distances on face_distance's scale, so the threshold
 * keeps its meaning.  The neighbours are still the k nearest by distance.
 *
 * Measured on LFW view 1 (`bench/open_set`, 4,989 photos), descriptors of
 * the chip and its mirror (the default when the rule was chosen; the default
 * three views are in pipeline.h), at the threshold that names 1% of
 * strangers, on the default draw and on average over 30 others (`open_set
 * FILE --draws 30`, seeds 101-130; lengths kept, as before, in brackets):
 * 100 people x 3 photos in the gallery (172 probes: +-2 points a draw)
 * 95.9% and 97.2% of known probes named (94.8%, 96.6%; nearest face 91.3%);
 * 1,165 people x 1: 70.9% and 72.1% (68.5%, 67.6%; nearest face 55.9%).
 * One view: 93.6% and 68.3% on the default draw (92.4%, 61.6%).
 * At the default threshold 0.40 it named 0-1.3% of strangers at every
 * gallery size tried (10 to 1,165 people), where the verification
 * threshold 0.6 on the nearest face names 11-95% of them.
 */
#ifndef OF_IDENTIFY_H
#define OF_IDENTIFY_H

#include <stddef.h>

#include "common.h"

#define OF_IDENTIFY_DEFAULT_K			20
#define OF_IDENTIFY_MAX_K				1000
#define OF_IDENTIFY_DEFAULT_THRESHOLD	0.40
#define OF_IDENTIFY_MARGIN_WEIGHT		0.5
/* The recognizer's mean descriptor length on LFW (1.423-1.429 at jitter 0-10). */
#define OF_IDENTIFY_LENGTH				1.425

typedef struct of_identity
{
	int			label;			/* the best label's id, -1 without neighbours */
	int			named;			/* score below the threshold */
	float		distance;		/* d1 (between directions, at OF_IDENTIFY_LENGTH) */
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
