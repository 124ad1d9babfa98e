/*
 * Network input preparation, bit-exact with face-api's toBatchTensor +
 * normalize (docs/networks.md §4): zero-pad a rectangle of the image to a
 * square, TF1 legacy bilinear resize (alignCorners=false,
 * halfPixelCenters=false, no antialiasing) to n×n, then (v - mean) / 255.
 */
#ifndef OF_PREPROCESS_H
#define OF_PREPROCESS_H

#include "common.h"
#include "image/image.h"

/*
 * Network input [n][n][3] float32 from rectangle r of img (r must lie inside
 * img; w, h > 0).  The square is S = max(w, h); center = 0 puts the rectangle
 * at the top-left (padding bottom/right, the detector), center = 1 splits the
 * padding with the odd pixel after (landmarks, recognition).  The padded
 * square is never materialised: the pad region is sampled as 0.
 */
of_status	of_preprocess(const of_image *img, of_rect r, int n, int center,
						  const float mean[3], float *out, of_error *err);

extern const float of_detector_mean[3];	/* 117.001, 114.697, 97.404 */
extern const float of_face_mean[3];		/* 122.782, 117.001, 104.298 */

#endif
