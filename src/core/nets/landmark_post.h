/*
 * Glue around the 68-point landmark network, exactly as face-api does it
 * (docs/networks.md §6.1, §6.3): the crop taken from a detection box, and the
 * network output → crop-relative → image-pixel conversion, quirks included.
 */
#ifndef OF_LANDMARK_POST_H
#define OF_LANDMARK_POST_H

#include "nets/preprocess.h"

#define OF_LANDMARK_POINTS 68

/*
 * face-api's Box.clipAtImageBorders: x0 = max(x,0), y0 = max(y,0),
 * w' = min(x+w-x0, W-x0), h' = min(y+h-y0, H-y0), each floored.  The result
 * may have a zero or negative size (face-api then skips the face).
 */
of_rect		of_clip_rect(double x, double y, double w, double h, int img_w, int img_h);

/*
 * The landmark crop of a detection box in image pixels.  The box goes
 * through FaceDetection.forSize (pixels → relative → pixels) before the clip,
 * like face-api.
 */
of_rect		of_landmark_crop(double x, double y, double w, double h, int img_w, int img_h);

/*
 * Raw network output (136 floats in units of the padded 112 input / 112) →
 * positions relative to the cw x ch crop, with face-api's float32 ops
 * (including its half-of-scaled-difference padding offset).
 */
void		of_landmarks_relative(const float *raw136, int crop_w, int crop_h, float *rel136);

/*
 * Crop-relative positions → image pixels, shifted by the detection box
 * origin (box_x, box_y) — unfloored and unclipped, as face-api does, although
 * the crop itself started at the floored, clipped corner.
 */
void		of_landmarks_to_image(const float *rel136, int crop_w, int crop_h,
								  double box_x, double box_y, double *pts136);

#endif
