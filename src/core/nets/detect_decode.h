/*
 * Tiny face detector output → boxes: anchor decoding, score threshold and
 * greedy non-maximum suppression, reproducing face-api's TinyYolov2 glue bit
 * for bit (docs/networks.md §5.2-§5.3).  All arithmetic is in doubles, in the same
 * order as the JavaScript, because crop rectangles downstream are floored and
 * a last-bit difference can move them by a pixel.
 */
#ifndef OF_DETECT_DECODE_H
#define OF_DETECT_DECODE_H

#include "common.h"

#define OF_DETECTOR_ANCHORS 5
#define OF_DETECTOR_IOU 0.4		/* TinyFaceDetector's constant, not an option */

typedef struct of_detection
{
	double		score;
	/* decoded box relative to the original image, as left/top/right/bottom */
	double		left,
				top,
				right,
				bottom;
	/* final box: relative and in image pixels (face-api's Box round trips) */
	double		rel_x,
				rel_y,
				rel_w,
				rel_h;
	double		x,
				y,
				w,
				h;
	int			row,
				col,
				anchor;
} of_detection;

/*
 * Decode a raw detector output of (input_size/32)^2*25 floats computed on an
 * img_w x img_h image padded bottom/right to a square.  Candidates with
 * score > min_score (strict) are returned in row/col/anchor order in a
 * malloc'ed array (*out, NULL when none) the caller frees.
 */
of_status	of_detect_decode(const float *raw, int input_size, int img_w, int img_h,
							 double min_score, of_detection **out, int *n,
							 of_error *err);

/*
 * Greedy NMS: candidates in order of descending score (equal scores: higher
 * index first), dropping those whose IoU with a picked box is > iou.  Boxes
 * are compared after scaling their relative coordinates by box_scale (face-api
 * uses the input size).  keep (room for n) receives the picked indices in
 * pick order; *nkeep their number.
 */
of_status	of_detect_nms(const of_detection *cand, int n, double iou, double box_scale,
						  int *keep, int *nkeep, of_error *err);

/* Decode + NMS with face-api's constants: *out holds the kept boxes in pick order. */
of_status	of_detect_boxes(const float *raw, int input_size, int img_w, int img_h,
							double min_score, of_detection **out, int *n,
							of_error *err);

/* Fill the relative and pixel boxes of d from left/top/right/bottom. */
void		of_detection_finish(of_detection *d, int img_w, int img_h);

/* IoU of two detections' relative boxes, each scaled by box_scale first. */
double		of_detection_iou(const of_detection *a, const of_detection *b, double box_scale);

#endif
