/*
 * From 68 landmarks to the recognition network's 150x150 input.
 *
 * Three ways:
 *  - face-api's descriptor crop (docs/networks.md §8): an axis-aligned square
 *    around eyes and mouth, floored and clipped exactly as face-api does, then
 *    the shared pad-to-square + resize preprocessing;
 *  - a similarity alignment: the rotation that levels the eye centres, then
 *    uniform scale + translation fitted by least squares from stable
 *    landmarks to a mean face template that sits in the chip where face-api's
 *    crop puts an upright face (same scale convention); sampled bilinearly
 *    straight into the network input;
 *  - dlib's chip: a least-squares similarity onto dlib's mean face with its
 *    padding, the geometry dlib's recognizer was trained on; sampled the
 *    same way.
 */
#ifndef OF_ALIGN_H
#define OF_ALIGN_H

#include "nets/preprocess.h"

/* A 2x3 affine map chip pixel (u, v) → image point: x = a*u - b*v + tx, y = b*u + a*v + ty. */
typedef struct of_similarity
{
	double		a,
				b,
				tx,
				ty;
} of_similarity;

/*
 * face-api's FaceLandmarks.align(useDlibAlignment): the unclipped square
 * (may extend past the image) from landmarks in image pixels; lm_crop_w/h is
 * the landmark crop's size, which bounds the width/height as face-api does.
 */
of_rect		of_faceapi_align_rect(const double *pts136, int lm_crop_w, int lm_crop_h);

/*
 * The descriptor crop actually cut from the image: of_faceapi_align_rect
 * clipped and floored at the image borders.  A zero or negative width/height
 * means face-api returns a zero descriptor.
 */
of_rect		of_faceapi_descriptor_crop(const double *pts136, int lm_crop_w, int lm_crop_h,
									   int img_w, int img_h);

/* The template's 68 points in a chip of side size (where an ideal face lands). */
void		of_align_template(int size, double *pts136);

/*
 * Fit the similarity from landmarks (image pixels) to the template in a
 * chip of side `size` pixels.  Fails (OF_EINVAL) on degenerate landmarks.
 */
of_status	of_similarity_fit(const double *pts136, int size, of_similarity *out,
							  of_error *err);

/*
 * dlib's chip geometry (get_face_chip_details): the similarity that maps
 * dlib's mean face, padded by `padding` of its size on every side, onto the
 * nose, eye and outer mouth landmarks by least squares, stretched so that
 * the chip's corner pixels sit on the corners of the fitted square as
 * dlib's extract_image_chip places them.  dlib's recognizer uses size 150,
 * padding 0.25.  Fails (OF_EINVAL) on degenerate landmarks.
 */
#define OF_DLIB_CHIP_PADDING 0.25
of_status	of_similarity_fit_dlib(const double *pts136, int size, double padding,
								   of_similarity *out, of_error *err);

/* dlib's mean face in a chip (NaN for the jaw points 0-16, which it lacks). */
void		of_dlib_template(int size, double padding, double *pts136);

/* out = outer after inner: a chip pixel through inner, then through outer. */
void		of_similarity_compose(const of_similarity *outer, const of_similarity *inner,
								  of_similarity *out);

/*
 * Warp the image through t into a size x size float chip normalised like the
 * recognition input: float32(float32(v - float32(mean_c)) / 255), RGB, HWC.
 * Outside the image the pixel value is 0 (as face-api's zero padding).
 */
void		of_similarity_warp_input(const of_image *img, const of_similarity *t, int size,
									 const float mean[3], float *out);

/*
 * The image pixels a warp through t into a size x size chip reads (with its
 * bilinear neighbours), unclipped.
 */
of_rect		of_similarity_footprint(const of_similarity *t, int size);

/* The same warp as an RGB8 image (values rounded to nearest) for display. */
of_status	of_similarity_warp_rgb(const of_image *img, const of_similarity *t, int size,
								   of_image *out, of_error *err);

#endif
