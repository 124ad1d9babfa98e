/*
 * Image → faces: detector, landmarks, alignment, descriptor.
 *
 * Two configurations:
 *  - of_pipeline_options_faceapi(): face-api's standard flow exactly
 *    (TinyFaceDetector 416 / 0.5, axis-aligned descriptor crop), so every
 *    number can be checked against the reference run;
 *  - of_pipeline_options_init(): the defaults, which add what measured better
 *    (bench/accuracy.c, on shared/faces and LFW view 1): two cheap detector
 *    passes at input 224 with the image shrunk onto a zero canvas (faces that
 *    fill the frame: LFW images with the labelled face found 79.7% → 99.9%,
 *    faces/people, mostly tight crops, 12/50 → 50/50), a pass at input 640
 *    on images of 480 px and more, since run only where the main pass nearly
 *    found a face (the small-face tiles below: faces under ~40 px, 2 → 7 of
 *    7 in a group photo), a similarity alignment for the descriptor (LFW pairs,
 *    threshold from the train split: 98.5% → 98.9% on the test split, raw
 *    descriptors; dlib's chip geometry on the same landmarks: 98.1%), and
 *    the mirror view and dlib's chip averaged in (OF_PIPELINE_JITTER).
 *
 * The stages are public so that callers (the CLI's bench) can time them.
 */
#ifndef OF_PIPELINE_H
#define OF_PIPELINE_H

#include "align.h"
#include "nets/detect_decode.h"
#include "nets/landmark_post.h"
#include "image/image.h"
#include "nets/nets.h"
#include "nets/preprocess.h"

typedef enum of_align_mode
{
	OF_ALIGN_FACEAPI = 0,		/* face-api's axis-aligned crop, reference-exact */
	OF_ALIGN_SIMILARITY = 1,	/* eyes levelled by a similarity warp */
	OF_ALIGN_DLIB = 2			/* dlib's chip: a similarity onto dlib's mean face */
} of_align_mode;

#define OF_MAX_EXTRA_PASSES 4

/*
 * One extra detector pass: the image (padded to a square) is shrunk to
 * `fill` of the detector input `input_size` and centred on a zero canvas
 * (finds faces too large for the plain pass); fill = 1 is a plain pass at
 * another scale (a larger input finds smaller faces).  The pass only runs on
 * images whose longer side is at least min_side pixels.
 */
typedef struct of_detector_pass
{
	int			input_size;
	double		fill;
	int			min_side;
} of_detector_pass;

/*
 * The small-face pass: the main pass's near misses (its candidates after NMS
 * scoring in (probe_score, min_score]) are looked at again at the scale of a
 * detector of input `input_size` over the whole image, each through a square
 * tile around it of `context` times its side at that scale and at least
 * min_tile detector pixels.  Only on images whose longer side is at least
 * min_side; input_size 0 turns it off.
 *
 * Measured on shared/faces (bench/photo_speed.c): the whole-image pass at
 * 640 it replaces found 6 faces the other passes miss (5 in
 * group/2007_007763, 1 in group/2008_002506), each on a main-pass candidate
 * scoring 0.10-0.41 (so probe_score 0.08); tiles of 1.5 x, at least 128 px,
 * find all six and nothing in noface/, at 0-35% of that pass's cost
 * (sample2: 5 near misses, 35%).
 */
typedef struct of_small_faces
{
	int			input_size;		/* 640 */
	int			min_side;		/* 480 */
	double		probe_score;	/* 0.08 */
	double		context;		/* 1.5 */
	int			min_tile;		/* 128 */
} of_small_faces;

typedef struct of_pipeline_options
{
	int			input_size;		/* detector input, multiple of 32 (default 416) */
	double		min_score;		/* keep detections with score > this (0.5) */
	of_align_mode align;
	int			jitter;			/* extra views averaged into each descriptor (jitter.h) */
	int			no_descriptors; /* stop after landmarks and chip (descriptors stay 0) */
	int			max_faces;		/* keep at most this many (by NMS order); 0 = all */
	int			npasses;		/* extra detector passes merged by NMS */
	of_detector_pass passes[OF_MAX_EXTRA_PASSES];
	of_small_faces small;		/* merged by NMS with the passes */
	int			scaled_view;	/* photos: detect on a DCT-scaled decode (of_photo) */
} of_pipeline_options;

typedef struct of_face
{
	double		x,
				y,
				w,
				h;				/* detection box in image pixels (unclipped) */
	double		score;
	double		landmarks[2 * OF_LANDMARK_POINTS];	/* (x, y) each, image pixels */
	of_rect		landmark_crop;	/* crop fed to the landmark net */
	of_rect		recognition_crop;	/* face-api's descriptor crop (fed to the net in that mode) */
	of_similarity align;		/* similarity mode: chip pixel → image map */
	of_align_mode align_mode;
	int			descriptor_valid;	/* 0: face-api's empty crop, descriptor is zeros */
	float		descriptor[OF_DESCRIPTOR_DIM];	/* raw, not normalised */
} of_face;

/*
 * Default extra views per descriptor: the mirror image and the chip cut in
 * the other geometry (OF_PIPELINE_OTHER_VIEWS, below).  On LFW view 1
 * (bench/accuracy --jitter 3 --chip similarity --dump, then bench/open_set
 * --draws 30), face_identify at its defaults names 97.25% of known probes
 * against 100 people with three photos, with 0.71% of strangers named
 * (views 0-1: 96.91% / 0.72%), and 70.70% against 1,165 people with one
 * (68.83%); verification 99.28% over ten folds (99.06% with views 0-1,
 * 99.19% with one view).  Each view is one recognizer run: about 10 ms
 * more a photo than views 0-1 (40 LFW photos, openface embed --jitter N).
 * The fourth view, the other chip's mirror, adds 0.2 and 1.3 points
 * (97.42% / 71.97%) for the same cost again.
 */
#define OF_PIPELINE_JITTER 2

/*
 * Views 2 and 3, before the jittered copies of the face's own chip: the
 * other geometry's chip and its mirror, which differ from the face's chip
 * more than dlib's small jitters do and so add more.  On LFW view 1
 * (bench/accuracy --jitter 3 --chip similarity --dump, then
 * bench/open_set --draws 30), face_identify with views 0-3 names 97.97% /
 * 74.36% of known probes at 1% of strangers named (100 people x 3 / 1,165
 * x 1, mean of 30 draws), against 97.23% / 72.07% with views 0-1;
 * verification 99.16% over ten folds (99.06%).  On the default draw views
 * 0-3 name 96.5% / 75.6%, where ten views in the order before (random
 * jitters from view 2) named 95.9% / 73.6% for 2.2 times the cost.
 */
#define OF_PIPELINE_OTHER_VIEWS 2

/* The measured-best defaults (see the header comment). */
void		of_pipeline_options_init(of_pipeline_options *o);

/* face-api's standard flow, reproducible number for number. */
void		of_pipeline_options_faceapi(of_pipeline_options *o);

/*
 * Run everything.  *faces is a malloc'd array in detection order (descending
 * score), NULL when no face was found; free it with free().
 */
of_status	of_pipeline_run(const of_models *m, const of_image *img,
							const of_pipeline_options *o, of_face **faces, int *nfaces,
							of_error *err);

/*
 * The longer side a photo's view needs for the detector passes of o (for
 * of_photo_open): twice what they read; 0, a whole decode, unless
 * o->scaled_view.
 */
int			of_pipeline_detect_side(const of_pipeline_options *o);

/*
 * of_pipeline_run (all = 1) or of_pipeline_run_prominent (all = 0) on a
 * photo: the detector reads photo->view, and the faces' crops read
 * photo->full, whose regions are decoded here as they are needed.  Boxes and
 * landmarks are in full-resolution pixels.
 */
of_status	of_pipeline_run_photo(const of_models *m, of_photo *photo,
								  const of_pipeline_options *o, int all, of_face **faces,
								  int *nfaces, of_error *err);

/*
 * Only the face of_most_prominent_face would pick from of_pipeline_run's
 * result, the same to the bit, without landmarks and descriptors for the
 * others: *face is one malloc'd face, or NULL when there is none.
 */
of_status	of_pipeline_run_prominent(const of_models *m, const of_image *img,
									  const of_pipeline_options *o, of_face **face,
									  of_error *err);

/*
 * The small-face tile around candidate d of an img_w x img_h image: *r (in
 * image pixels, inside the image) and, returned, its detector input size.
 */
int			of_small_face_tile(const of_small_faces *sf, const of_detection *d,
							   int img_w, int img_h, of_rect *r);

/* Stage 1: detector passes + NMS → boxes (malloc'd, descending score). */
of_status	of_pipeline_detect(const of_models *m, const of_image *img,
							   const of_pipeline_options *o, of_detection **dets, int *n,
							   of_error *err);

/* Stage 2: landmarks of one detection; fills box, score, landmark_crop, landmarks. */
of_status	of_pipeline_landmarks(const of_models *m, const of_image *img,
								  const of_detection *det, of_face *face, of_error *err);

/*
 * Stage 3: the 150x150 recognition input for face (from its landmarks) in
 * mode; fills recognition_crop / align / align_mode / descriptor_valid.
 * Similarity mode falls back to face-api's crop (align_mode says so) when
 * the landmarks admit no similarity (e.g. eyes swapped).  When
 * descriptor_valid comes back 0, input is untouched and the descriptor must
 * be zeros (face-api's behaviour for an empty crop).
 */
of_status	of_pipeline_align(const of_image *img, of_face *face, of_align_mode mode,
							  float *input, of_error *err);

/*
 * Stage 4: descriptor from the aligned input (or zeros when not valid),
 * averaged with `jitter` extra views (each costs one recognizer run): view 1,
 * the mirror image, is made from input; the next OF_PIPELINE_OTHER_VIEWS are
 * the other warped geometry's chip (dlib's for a similarity chip, and the
 * reverse) and its mirror; the rest are jitter.h's views 2.. of the face's
 * own chip.  Views past 1 are sampled from img, so img
 * must hold the pixels of_pipeline_align_footprint names.  A face on
 * face-api's crop has no warp: it gets the mirror view only.
 */
of_status	of_pipeline_describe(const of_models *m, const of_image *img, of_face *face,
								 const float *input, int jitter, of_error *err);

/*
 * View k's descriptor alone (k = 0 the chip in input; 1 its mirror image; 2..
 * as of_pipeline_describe orders them, warped faces only); of_pipeline_describe
 * averages views 0..of_pipeline_views(face, jitter) - 1 of these.
 */
of_status	of_pipeline_view_descriptor(const of_models *m, const of_image *img,
										const of_face *face, const float *input, int k,
										float *out, of_error *err);
int			of_pipeline_views(const of_face *face, int jitter);

/* The image pixels the face's chip and its first `jitter` extra views read. */
of_rect		of_pipeline_align_footprint(const of_face *face, int jitter);

/*
 * The aligned face as an RGB8 size x size image (for display): in face-api
 * mode the recognition crop padded to a square and resized like the network
 * input; in similarity mode the warp.
 */
of_status	of_pipeline_chip(const of_image *img, const of_face *face, int size,
							 of_image *chip, of_error *err);

/*
 * Index of the most prominent face, -1 when n == 0: argmax of box area times
 * score (ties → the earlier face).  On the 418 LFW images with several faces
 * it picks the labelled (central) person in 391 cases, against 372 for the
 * largest box and 371 for the best score.
 */
int			of_most_prominent_face(const of_face *faces, int n);

#endif
