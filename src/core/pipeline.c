#include "pipeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jitter.h"
#include "nets/landmark_post.h"

/*
 * How far past its landmark crop (a share of the crop's side, each way) a
 * face's similarity chip reads: decoded with the landmark crop so that the
 * chip rarely needs a second region.  On the 424 faces of shared/faces,
 * sample1-6 and 300 LFW photos: median 0.09, 96% within 0.25.
 */
#define OF_PIPELINE_CHIP_REACH 0.25

/*
 * A photo's view is at least this many times the longest side the detector
 * reads.  On sample1-6 and two group photos enlarged to 2000-3840 px, a view
 * of 2x found the faces of the whole decode (scores within 0.17) and nothing
 * else; a view of 1x gave sample2 two false faces (0.61, 0.51: the
 * small-face tiles fire on a smooth view) and lost one of six in the group.
 */
#define OF_PIPELINE_VIEW_OVERSAMPLE 2

/* A tile's face with more than this share of its box inside a face the passes found is that face. */
#define OF_PIPELINE_INSIDE 0.5

void
of_pipeline_options_faceapi(of_pipeline_options *o)
{
	memset(o, 0, sizeof(*o));
	o->input_size = OF_DETECTOR_DEFAULT_INPUT;
	o->min_score = 0.5;
	o->align = OF_ALIGN_FACEAPI;
}

void
of_pipeline_options_init(of_pipeline_options *o)
{
	of_pipeline_options_faceapi(o);
	o->align = OF_ALIGN_SIMILARITY;
	o->npasses = 2;
	o->passes[0] = (of_detector_pass) {224, 0.75, 0};
	o->passes[1] = (of_detector_pass) {224, 0.6, 0};
	o->small = (of_small_faces) {640, 480, 0.08, 1.5, 128};
	o->scaled_view = 1;
	o->jitter = OF_PIPELINE_JITTER;
}

int
of_pipeline_detect_side(const of_pipeline_options *o)
{
	int			side = o->input_size;

	if (!o->scaled_view)
		return 0;
	for (int p = 0; p < o->npasses; p++)
	{
		int			inner = (int) ceil(o->passes[p].input_size * fmin(o->passes[p].fill, 1.0));

		if (inner > side)
			side = inner;
	}
	if (o->small.input_size > side)
		side = o->small.input_size;
	return OF_PIPELINE_VIEW_OVERSAMPLE * side;
}

/* Detector input cells outside the image: a zero pixel after normalisation. */
static float
zero_value(int c)
{
	float		x = 0.0f - of_detector_mean[c];

	return x / 255.0f;
}

/*
 * One detector pass.  fill >= 1: face-api's own (image padded bottom/right to
 * a square, resized to N).  fill < 1: that square shrunk to fill*N and
 * centred on a zero canvas; boxes are mapped back to the image.
 */
static of_status
detector_pass(const of_models *m, const of_image *img, int N, double fill, double min_score,
			  float *input, float *raw, of_detection **out, int *n, of_error *err)
{
	of_rect		full = {0, 0, img->width, img->height};
	of_status	st;
	int			inner,
				off;
	float	   *tmp;
	double		S;

	*out = NULL;
	*n = 0;
	if (fill >= 1.0)
	{
		st = of_preprocess(img, full, N, 0, of_detector_mean, input, err);
		if (st == OF_OK)
			st = of_detector_forward(m, input, N, raw, err);
		if (st == OF_OK)
			st = of_detect_decode(raw, N, img->width, img->height, min_score, out, n, err);
		return st;
	}

	inner = (int) lround(N * fill);
	if (inner < 1)
		inner = 1;
	off = (N - inner) / 2;
	tmp = malloc((size_t) inner * inner * 3 * sizeof(float));
	if (tmp == NULL)
		return of_fail(err, OF_ENOMEM, "detector: out of memory");
	st = of_preprocess(img, full, inner, 0, of_detector_mean, tmp, err);
	if (st != OF_OK)
	{
		free(tmp);
		return st;
	}
	for (int y = 0; y < N; y++)
		for (int x = 0; x < N; x++)
		{
			float	   *o = input + ((size_t) y * N + x) * 3;

			if (y >= off && y < off + inner && x >= off && x < off + inner)
				memcpy(o, tmp + ((size_t) (y - off) * inner + (x - off)) * 3, 3 * sizeof(float));
			else
				for (int c = 0; c < 3; c++)
					o[c] = zero_value(c);
		}
	free(tmp);
	st = of_detector_forward(m, input, N, raw, err);
	if (st == OF_OK)
		st = of_detect_decode(raw, N, N, N, min_score, out, n, err);
	if (st != OF_OK)
		return st;
	S = img->width > img->height ? img->width : img->height;
	for (int i = 0; i < *n; i++)
	{
		of_detection *d = &(*out)[i];

		/* canvas-relative → pixels of the padded square → image-relative */
		d->left = (d->left * N - off) / inner * S / img->width;
		d->right = (d->right * N - off) / inner * S / img->width;
		d->top = (d->top * N - off) / inner * S / img->height;
		d->bottom = (d->bottom * N - off) / inner * S / img->height;
		of_detection_finish(d, img->width, img->height);
	}
	return OF_OK;
}

int
of_small_face_tile(const of_small_faces *sf, const of_detection *d, int img_w, int img_h,
				   of_rect *r)
{
	double		S = img_w > img_h ? img_w : img_h;
	double		scale = sf->input_size / S;	/* detector pixels per image pixel */
	double		side = (d->w > d->h ? d->w : d->h) * scale * sf->context;
	int			T = (int) ceil(side / 32) * 32;
	int			R;

	if (T < sf->min_tile)
		T = sf->min_tile;
	if (T > sf->input_size)
		T = sf->input_size;
	R = (int) lround(T / scale);
	r->w = R < img_w ? R : img_w;
	r->h = R < img_h ? R : img_h;
	r->x = (int) lround(d->x + d->w / 2 - r->w / 2.0);
	r->y = (int) lround(d->y + d->h / 2 - r->h / 2.0);
	if (r->x > img_w - r->w)
		r->x = img_w - r->w;
	if (r->y > img_h - r->h)
		r->y = img_h - r->h;
	if (r->x < 0)
		r->x = 0;
	if (r->y < 0)
		r->y = 0;
	return T;
}

/* One detector pass through tile r at input T; boxes come back image-relative. */
static of_status
tile_pass(const of_models *m, const of_image *img, of_rect r, int T, double min_score,
		  float *input, float *raw, of_detection **out, int *n, of_error *err)
{
	of_status	st = of_preprocess(img, r, T, 0, of_detector_mean, input, err);

	if (st == OF_OK)
		st = of_detector_forward(m, input, T, raw, err);
	if (st == OF_OK)
		st = of_detect_decode(raw, T, r.w, r.h, min_score, out, n, err);
	for (int i = 0; st == OF_OK && i < *n; i++)
	{
		of_detection *d = &(*out)[i];

		d->left = (r.x + d->left * r.w) / img->width;
		d->right = (r.x + d->right * r.w) / img->width;
		d->top = (r.y + d->top * r.h) / img->height;
		d->bottom = (r.y + d->bottom * r.h) / img->height;
		of_detection_finish(d, img->width, img->height);
	}
	return st;
}

/* Append d[0..nd) to *all (n entries). */
static of_status
append(of_detection **all, int *n, const of_detection *d, int nd, of_error *err)
{
	of_detection *tmp;

	if (nd == 0)
		return OF_OK;
	tmp = realloc(*all, (size_t) (*n + nd) * sizeof(**all));
	if (tmp == NULL)
		return of_fail(err, OF_ENOMEM, "pipeline: out of memory");
	memcpy(tmp + *n, d, (size_t) nd * sizeof(*d));
	*all = tmp;
	*n += nd;
	return OF_OK;
}

/*
 * The main pass's near misses: its candidates d[0..nd) (scores above
 * probe_score) after NMS, those at or below min_score; *probes is malloc'd.
 */
static of_status
near_misses(const of_detection *d, int nd, int input_size, double min_score,
			of_detection **probes, int *np, of_error *err)
{
	int		   *keep = malloc((size_t) (nd > 0 ? nd : 1) * sizeof(int));
	int			nkeep = 0;
	of_status	st;

	*probes = NULL;
	*np = 0;
	if (keep == NULL)
		return of_fail(err, OF_ENOMEM, "pipeline: out of memory");
	st = of_detect_nms(d, nd, OF_DETECTOR_IOU, input_size, keep, &nkeep, err);
	for (int i = 0; st == OF_OK && i < nkeep; i++)
		if (d[keep[i]].score <= min_score)
			st = append(probes, np, &d[keep[i]], 1, err);
	free(keep);
	return st;
}

/*
 * Whether most of box d lies within one of the faces found[0..n): a face
 * within a face is the same face (on sample1 a tile found the lower half of a
 * tilted face as a second face, all of it inside the first; NMS let it pass,
 * its IoU being 0.35).
 */
static int
inside_found(const of_detection *d, const of_detection *found, int n)
{
	double		area = (d->right - d->left) * (d->bottom - d->top);

	for (int i = 0; i < n; i++)
	{
		double		w = fmin(d->right, found[i].right) - fmax(d->left, found[i].left),
					h = fmin(d->bottom, found[i].bottom) - fmax(d->top, found[i].top);

		if (w > 0 && h > 0 && w * h > OF_PIPELINE_INSIDE * area)
			return 1;
	}
	return 0;
}

of_status
of_pipeline_detect(const of_models *m, const of_image *img, const of_pipeline_options *o,
				   of_detection **dets, int *n, of_error *err)
{
	int			maxN = o->input_size,
				total = 0,
				nkeep = 0,
				nprobes = 0,
				nfound,
				longer,
				small;
	float	   *input = NULL,
			   *raw = NULL;
	of_detection *all = NULL,
			   *probes = NULL;
	int		   *keep = NULL;
	of_status	st = OF_OK;

	*dets = NULL;
	*n = 0;
	if (img == NULL || img->width <= 0 || img->height <= 0)
		return of_fail(err, OF_EINVAL, "pipeline: empty image");
	if (o->npasses < 0 || o->npasses > OF_MAX_EXTRA_PASSES)
		return of_fail(err, OF_EINVAL, "pipeline: %d extra detector passes (at most %d)",
					   o->npasses, OF_MAX_EXTRA_PASSES);
	for (int p = -1; p < o->npasses; p++)
	{
		int			N = p < 0 ? o->input_size : o->passes[p].input_size;

		if (N < 32 || N % 32 != 0 || N > OF_DETECTOR_MAX_INPUT)
			return of_fail(err, OF_EINVAL,
						   "pipeline: detector input size %d is not a multiple of 32 in 32..%d",
						   N, OF_DETECTOR_MAX_INPUT);
		if (N > maxN)
			maxN = N;
	}
	longer = img->width > img->height ? img->width : img->height;
	small = o->small.input_size > 0 && longer >= o->small.min_side;
	if (small)
	{
		if (o->small.input_size % 32 != 0 || o->small.input_size > OF_DETECTOR_MAX_INPUT ||
			o->small.min_tile < 32 || o->small.context <= 0)
			return of_fail(err, OF_EINVAL,
						   "pipeline: small-face input size %d is not a multiple of 32 in 32..%d, "
						   "or its tile is empty", o->small.input_size, OF_DETECTOR_MAX_INPUT);
		if (o->small.input_size > maxN)
			maxN = o->small.input_size;
	}
	input = malloc((size_t) maxN * maxN * 3 * sizeof(float));
	raw = malloc((size_t) (maxN / 32) * (maxN / 32) * 25 * sizeof(float));
	if (input == NULL || raw == NULL)
	{
		st = of_fail(err, OF_ENOMEM, "pipeline: out of memory for the detector input");
		goto done;
	}

	for (int p = -1; p < o->npasses && st == OF_OK; p++)
	{
		int			N = p < 0 ? o->input_size : o->passes[p].input_size;
		double		fill = p < 0 ? 1.0 : o->passes[p].fill;
		/* the main pass keeps its near misses for the small-face tiles */
		double		threshold = p < 0 && small && o->small.probe_score < o->min_score ?
			o->small.probe_score : o->min_score;
		of_detection *d = NULL;
		int			nd = 0,
					nabove = 0;

		if (p >= 0 && longer < o->passes[p].min_side)
			continue;
		if (of_cancelled())
		{
			st = of_fail(err, OF_ECANCELED, "face detection canceled");
			break;
		}
		st = detector_pass(m, img, N, fill, threshold, input, raw, &d, &nd, err);
		if (st == OF_OK && threshold < o->min_score)
		{
			/* those above min_score, in their order, as a pass at min_score gives them */
			st = near_misses(d, nd, N, o->min_score, &probes, &nprobes, err);
			for (int i = 0; i < nd; i++)
				if (d[i].score > o->min_score)
					d[nabove++] = d[i];
			nd = nabove;
		}
		if (st == OF_OK)
			st = append(&all, &total, d, nd, err);
		free(d);
	}
	/* what the passes found, before the tiles add theirs */
	nfound = total;
	for (int i = 0; i < nprobes && st == OF_OK; i++)
	{
		of_rect		r;
		int			T;
		of_detection *d = NULL;
		int			nd = 0;

		T = of_small_face_tile(&o->small, &probes[i], img->width, img->height, &r);
		if (of_cancelled())
		{
			st = of_fail(err, OF_ECANCELED, "face detection canceled");
			break;
		}
		st = tile_pass(m, img, r, T, o->min_score, input, raw, &d, &nd, err);
		for (int k = 0; st == OF_OK && k < nd; k++)
			if (!inside_found(&d[k], all, nfound))
				st = append(&all, &total, &d[k], 1, err);
		free(d);
	}
	if (st != OF_OK || total == 0)
		goto done;

	keep = malloc((size_t) total * sizeof(int));
	if (keep == NULL)
	{
		st = of_fail(err, OF_ENOMEM, "pipeline: out of memory");
		goto done;
	}

	/*
	 * A single pass compares boxes scaled by the input size, as face-api does
	 * (bit-exact); merged passes compare image-relative boxes (IoU does not
	 * depend on the axis scales).
	 */
	st = of_detect_nms(all, total, OF_DETECTOR_IOU,
					   o->npasses == 0 && nprobes == 0 ? o->input_size : 1.0, keep, &nkeep, err);
	if (st == OF_OK)
	{
		of_detection *res;

		if (o->max_faces > 0 && nkeep > o->max_faces)
			nkeep = o->max_faces;
		res = malloc((size_t) nkeep * sizeof(*res));
		if (res == NULL)
			st = of_fail(err, OF_ENOMEM, "pipeline: out of memory");
		else
		{
			for (int i = 0; i < nkeep; i++)
				res[i] = all[keep[i]];
			*dets = res;
			*n = nkeep;
		}
	}

done:
	free(keep);
	free(all);
	free(probes);
	free(raw);
	free(input);
	return st;
}

of_status
of_pipeline_landmarks(const of_models *m, const of_image *img, const of_detection *det,
					  of_face *face, of_error *err)
{
	float	   *input;
	float		raw[136],
				rel[136];
	of_status	st;
	of_rect		lc = of_landmark_crop(det->x, det->y, det->w, det->h, img->width, img->height);

	memset(face, 0, sizeof(*face));
	face->x = det->x;
	face->y = det->y;
	face->w = det->w;
	face->h = det->h;
	face->score = det->score;
	face->landmark_crop = lc;
	if (lc.w <= 0 || lc.h <= 0)
		return of_fail(err, OF_EINVAL, "pipeline: the detection box lies outside the image");
	input = malloc((size_t) OF_LANDMARK_INPUT * OF_LANDMARK_INPUT * 3 * sizeof(float));
	if (input == NULL)
		return of_fail(err, OF_ENOMEM, "pipeline: out of memory for the landmark input");
	st = of_preprocess(img, lc, OF_LANDMARK_INPUT, 1, of_face_mean, input, err);
	if (st == OF_OK)
		st = of_landmarks_forward(m, input, raw, err);
	free(input);
	if (st != OF_OK)
		return st;
	of_landmarks_relative(raw, lc.w, lc.h, rel);
	of_landmarks_to_image(rel, lc.w, lc.h, det->x, det->y, face->landmarks);
	return OF_OK;
}

/* Modes whose chip is a similarity warp of the image (face->align). */
static int
warped(of_align_mode mode)
{
	return mode == OF_ALIGN_SIMILARITY || mode == OF_ALIGN_DLIB;
}

static int
valid_mode(of_align_mode mode)
{
	return mode == OF_ALIGN_FACEAPI || warped(mode);
}

/*
 * of_pipeline_align without the sampling: fills recognition_crop, align and
 * align_mode; returns 0 when the descriptor must be zeros.
 */
static int
align_plan(int img_w, int img_h, of_face *face, of_align_mode mode)
{
	of_rect		rc = of_faceapi_descriptor_crop(face->landmarks, face->landmark_crop.w,
												face->landmark_crop.h, img_w, img_h);
	of_status	fit = OF_EINVAL;

	face->recognition_crop = rc;

	/*
	 * Landmarks that no similarity maps onto a face (eyes swapped, all points
	 * on a line: the detector fired on something odd) fall back to face-api's
	 * crop rather than failing the whole image.
	 */
	if (mode == OF_ALIGN_SIMILARITY)
		fit = of_similarity_fit(face->landmarks, OF_RECOGNIZER_INPUT, &face->align, NULL);
	else if (mode == OF_ALIGN_DLIB)
		fit = of_similarity_fit_dlib(face->landmarks, OF_RECOGNIZER_INPUT,
									 OF_DLIB_CHIP_PADDING, &face->align, NULL);
	if (fit == OF_OK)
	{
		face->align_mode = mode;
		return 1;
	}
	face->align_mode = OF_ALIGN_FACEAPI;
	return rc.w > 0 && rc.h > 0;
}

/*
 * View k >= 2 of a warped chip (the order in pipeline.h): the other
 * geometry's chip and its mirror, then jitter.h's views 2.. of the face's own.
 */
static void
view_warp(const of_face *face, int k, of_similarity *t, int *mirror)
{
	of_jitter_view v;

	if (k < 2 + OF_PIPELINE_OTHER_VIEWS)
	{
		/* Fitted when asked for: the default views never need it. */
		of_status	fit = face->align_mode == OF_ALIGN_SIMILARITY ?
			of_similarity_fit_dlib(face->landmarks, OF_RECOGNIZER_INPUT, OF_DLIB_CHIP_PADDING,
								   t, NULL) :
			of_similarity_fit(face->landmarks, OF_RECOGNIZER_INPUT, t, NULL);

		/* Where the other geometry has no fit, its views repeat the face's own. */
		if (fit != OF_OK)
			*t = face->align;
		*mirror = k % 2 == 1;
		return;
	}
	of_jitter_view_get(k - OF_PIPELINE_OTHER_VIEWS, OF_RECOGNIZER_INPUT, &v);
	of_similarity_compose(&face->align, &v.map, t);
	*mirror = v.mirror;
}

of_rect
of_pipeline_align_footprint(const of_face *face, int jitter)
{
	of_rect		r;

	if (!warped(face->align_mode))
		return face->recognition_crop;
	r = of_similarity_footprint(&face->align, OF_RECOGNIZER_INPUT);
	for (int k = 2; k <= jitter; k++)
	{
		of_similarity t;
		int			mirror;

		view_warp(face, k, &t, &mirror);
		r = of_rect_union(r, of_similarity_footprint(&t, OF_RECOGNIZER_INPUT));
	}
	return r;
}

static of_status
align_sample(const of_image *img, of_face *face, float *input, of_error *err)
{
	of_status	st = OF_OK;

	if (warped(face->align_mode))
		of_similarity_warp_input(img, &face->align, OF_RECOGNIZER_INPUT, of_face_mean, input);
	else
		st = of_preprocess(img, face->recognition_crop, OF_RECOGNIZER_INPUT, 1, of_face_mean,
						   input, err);
	if (st == OF_OK)
		face->descriptor_valid = 1;
	return st;
}

of_status
of_pipeline_align(const of_image *img, of_face *face, of_align_mode mode, float *input,
				  of_error *err)
{
	face->descriptor_valid = 0;
	if (!valid_mode(mode))
		return of_fail(err, OF_EINVAL, "pipeline: unknown alignment mode %d", (int) mode);
	if (!align_plan(img->width, img->height, face, mode))
		return OF_OK;
	return align_sample(img, face, input, err);
}

/* chip mirrored left-right into out */
static void
mirror_chip(const float *chip, float *out)
{
	const int	side = OF_RECOGNIZER_INPUT;

	for (int y = 0; y < side; y++)
		for (int x = 0; x < side; x++)
			memcpy(out + 3 * ((size_t) y * side + x),
				   chip + 3 * ((size_t) y * side + side - 1 - x), 3 * sizeof(float));
}

of_status
of_pipeline_view_descriptor(const of_models *m, const of_image *img, const of_face *face,
							const float *input, int k, float *out, of_error *err)
{
	const size_t chip_floats = (size_t) 3 * OF_RECOGNIZER_INPUT * OF_RECOGNIZER_INPUT;
	const float *chip = input;
	float	   *buf = NULL;
	int			mirror = k == 1;
	of_status	st;

	if (k < 0 || k > OF_JITTER_MAX || (k >= 2 && !warped(face->align_mode)))
		return of_fail(err, OF_EINVAL, "pipeline: the face has no view %d", k);
	if (k >= 1)
	{
		buf = malloc(2 * chip_floats * sizeof(float));
		if (buf == NULL)
			return of_fail(err, OF_ENOMEM, "pipeline: out of memory for a jittered chip");
	}
	if (k >= 2)
	{
		of_similarity t;

		view_warp(face, k, &t, &mirror);
		of_similarity_warp_input(img, &t, OF_RECOGNIZER_INPUT, of_face_mean, buf);
		chip = buf;
	}
	if (mirror)
	{
		mirror_chip(chip, buf + chip_floats);
		chip = buf + chip_floats;
	}
	st = of_recognizer_forward(m, chip, out, err);
	free(buf);
	return st;
}

of_status
of_pipeline_describe(const of_models *m, const of_image *img, of_face *face,
					 const float *input, int jitter, of_error *err)
{
	float		sum[OF_DESCRIPTOR_DIM] = {0},
				one[OF_DESCRIPTOR_DIM];
	int			views = of_pipeline_views(face, jitter);
	of_status	st = OF_OK;

	if (!face->descriptor_valid)
	{
		memset(face->descriptor, 0, sizeof(face->descriptor));
		return OF_OK;
	}
	if (jitter < 0 || jitter > OF_JITTER_MAX)
		return of_fail(err, OF_EINVAL, "pipeline: jitter %d out of range 0..%d", jitter,
					   OF_JITTER_MAX);
	for (int k = 0; k < views && st == OF_OK; k++)
	{
		if (k > 0 && of_cancelled())
			return of_fail(err, OF_ECANCELED, "face description canceled");
		st = of_pipeline_view_descriptor(m, img, face, input, k, one, err);
		for (int d = 0; st == OF_OK && d < OF_DESCRIPTOR_DIM; d++)
			sum[d] += one[d];
	}
	for (int d = 0; st == OF_OK && d < OF_DESCRIPTOR_DIM; d++)
		face->descriptor[d] = sum[d] / views;
	return st;
}

int
of_pipeline_views(const of_face *face, int jitter)
{
	if (jitter > 1 && !warped(face->align_mode))
		jitter = 1;
	return 1 + jitter;
}

/* How prominent a face is: box area times score (of_most_prominent_face). */
static double
prominence(double w, double h, double score)
{
	return w * h * score;
}

/* face-api drops boxes that leave nothing to crop */
static int
croppable(const of_image *img, const of_detection *d)
{
	of_rect		lc = of_landmark_crop(d->x, d->y, d->w, d->h, img->width, img->height);

	return lc.w > 0 && lc.h > 0;
}

/*
 * The full-resolution pixels a detection's landmark crop reads, with room for
 * the alignment that follows: a similarity chip reaches past the landmark
 * crop, and asking for it now saves decoding a second region later.
 */
static of_rect
landmark_source(const of_image *full, const of_detection *d)
{
	of_rect		lc = of_landmark_crop(d->x, d->y, d->w, d->h, full->width, full->height);
	int			mx = (int) ceil(lc.w * OF_PIPELINE_CHIP_REACH),
				my = (int) ceil(lc.h * OF_PIPELINE_CHIP_REACH);

	return (of_rect) {lc.x - mx, lc.y - my, lc.w + 2 * mx, lc.h + 2 * my};
}

/* Stages 2-4 for one detection; input is scratch for the recognizer. */
static of_status
analyse_face(const of_models *m, of_photo *ph, const of_detection *det,
			 const of_pipeline_options *o, of_face *f, float *input, of_error *err)
{
	of_status	st;

	if (of_cancelled())
		return of_fail(err, OF_ECANCELED, "face analysis canceled");
	st = of_photo_need(ph, landmark_source(&ph->full, det), err);
	if (st == OF_OK)
		st = of_pipeline_landmarks(m, &ph->full, det, f, err);
	if (st != OF_OK)
		return st;
	f->descriptor_valid = 0;
	if (!valid_mode(o->align))
		return of_fail(err, OF_EINVAL, "pipeline: unknown alignment mode %d", (int) o->align);
	if (align_plan(ph->full.width, ph->full.height, f, o->align))
	{
		st = of_photo_need(ph, of_pipeline_align_footprint(f, o->jitter), err);
		if (st == OF_OK)
			st = align_sample(&ph->full, f, input, err);
	}
	if (st == OF_OK && !o->no_descriptors)
		st = of_pipeline_describe(m, &ph->full, f, input, o->jitter, err);
	return st;
}

/*
 * Detect on the photo's view, then analyse every croppable detection (all =
 * 1) or only the most prominent one: its choice needs only the detection (box
 * area x score, as of_most_prominent_face), so the other faces cost nothing.
 */
static of_status
run(const of_models *m, of_photo *ph, const of_pipeline_options *o, int all,
	of_face **faces, int *nfaces, of_error *err)
{
	const of_image *img = &ph->full;
	of_detection *dets = NULL;
	int			nd = 0,
				nf = 0,
				lo = 0,
				hi;
	double		best_v = -1;
	of_face    *res = NULL;
	float	   *input = NULL;
	of_rect		want = {0, 0, 0, 0};
	of_status	st;

	*faces = NULL;
	*nfaces = 0;
	st = of_pipeline_detect(m, &ph->view, o, &dets, &nd, err);
	if (st != OF_OK || nd == 0)
		goto done;
	/* boxes are relative to the view: in full-resolution pixels */
	if (of_photo_scaled(ph))
		for (int i = 0; i < nd; i++)
			of_detection_finish(&dets[i], img->width, img->height);
	hi = nd;
	if (!all)
	{
		/* only the most prominent croppable detection: the range [lo, hi) of one */
		hi = lo = -1;
		for (int i = 0; i < nd; i++)
			if (croppable(img, &dets[i]) &&
				prominence(dets[i].w, dets[i].h, dets[i].score) > best_v)
			{
				best_v = prominence(dets[i].w, dets[i].h, dets[i].score);
				lo = i;
				hi = i + 1;
			}
		if (lo < 0)
			goto done;
	}
	/* one region decode for all the faces (each one re-reads the file from its start) */
	for (int i = lo; i < hi; i++)
		if (croppable(img, &dets[i]))
		{
			of_rect		r = landmark_source(img, &dets[i]);

			want = want.w == 0 ? r : of_rect_union(want, r);
		}
	if ((st = of_photo_need(ph, want, err)) != OF_OK)
		goto done;
	res = calloc((size_t) (hi - lo), sizeof(*res));
	input = malloc((size_t) OF_RECOGNIZER_INPUT * OF_RECOGNIZER_INPUT * 3 * sizeof(float));
	if (res == NULL || input == NULL)
	{
		st = of_fail(err, OF_ENOMEM, "pipeline: out of memory");
		goto done;
	}
	for (int i = lo; i < hi; i++)
	{
		if (!croppable(img, &dets[i]))
			continue;
		if ((st = analyse_face(m, ph, &dets[i], o, &res[nf], input, err)) != OF_OK)
			goto done;
		nf++;
	}

done:
	free(input);
	free(dets);
	if (st != OF_OK || nf == 0)
	{
		free(res);
		res = NULL;
		nf = 0;
	}
	*faces = res;
	*nfaces = nf;
	return st;
}

/* An image already decoded whole, as a photo whose view is itself. */
static void
whole_photo(const of_image *img, of_photo *ph)
{
	memset(ph, 0, sizeof(*ph));
	ph->view = *img;
	ph->full = *img;
	ph->have = (of_rect) {0, 0, img->width, img->height};
}

of_status
of_pipeline_run(const of_models *m, const of_image *img, const of_pipeline_options *o,
				of_face **faces, int *nfaces, of_error *err)
{
	of_photo	ph;

	whole_photo(img, &ph);
	return run(m, &ph, o, 1, faces, nfaces, err);
}

of_status
of_pipeline_run_prominent(const of_models *m, const of_image *img, const of_pipeline_options *o,
						  of_face **face, of_error *err)
{
	of_photo	ph;
	int			n;

	whole_photo(img, &ph);
	return run(m, &ph, o, 0, face, &n, err);
}

of_status
of_pipeline_run_photo(const of_models *m, of_photo *photo, const of_pipeline_options *o, int all,
					  of_face **faces, int *nfaces, of_error *err)
{
	int			n;

	return run(m, photo, o, all, faces, nfaces != NULL ? nfaces : &n, err);
}

of_status
of_pipeline_chip(const of_image *img, const of_face *face, int size, of_image *chip,
				 of_error *err)
{
	static const float zero_mean[3] = {0, 0, 0};
	float	   *buf;
	of_status	st;

	memset(chip, 0, sizeof(*chip));
	if (size < 1 || size > 4096)
		return of_fail(err, OF_EINVAL, "chip size %d out of range 1..4096", size);
	if (warped(face->align_mode))
		return of_similarity_warp_rgb(img, &face->align, size, chip, err);
	if (face->recognition_crop.w <= 0 || face->recognition_crop.h <= 0)
		return of_fail(err, OF_EINVAL, "the face's descriptor crop is empty");
	buf = malloc((size_t) size * size * 3 * sizeof(float));
	chip->rgb = malloc((size_t) size * size * 3);
	if (buf == NULL || chip->rgb == NULL)
	{
		free(buf);
		free(chip->rgb);
		chip->rgb = NULL;
		return of_fail(err, OF_ENOMEM, "out of memory for a %dx%d chip", size, size);
	}
	/* with mean 0 the input is v/255: scaling back recovers the resized pixels */
	st = of_preprocess(img, face->recognition_crop, size, 1, zero_mean, buf, err);
	if (st == OF_OK)
	{
		for (size_t i = 0; i < (size_t) size * size * 3; i++)
		{
			double		v = floor(buf[i] * 255.0 + 0.5);

			chip->rgb[i] = (unsigned char) (v < 0 ? 0 : (v > 255 ? 255 : v));
		}
		chip->width = size;
		chip->height = size;
	}
	else
	{
		free(chip->rgb);
		chip->rgb = NULL;
	}
	free(buf);
	return st;
}

int
of_most_prominent_face(const of_face *faces, int n)
{
	int			best = -1;
	double		best_v = -1;

	for (int i = 0; i < n; i++)
	{
		double		v = prominence(faces[i].w, faces[i].h, faces[i].score);

		if (v > best_v)
		{
			best_v = v;
			best = i;
		}
	}
	return best;
}
