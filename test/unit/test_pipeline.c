/*
 * The whole flow in face-api mode on the six demo photos against the
 * reference run (test/fixtures/pipeline/sampleN.tsv): same faces in the same
 * order, identical integer crops, boxes and landmarks within 1e-2 px,
 * descriptors within 1e-4 euclidean.  Then the default (similarity) mode:
 * same people found, eyes level in the aligned chips, chips render.
 *
 * Needs the converted model: $OPENFACE_MODEL_DIR/openface.ofm (default models/).
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_tsv.h"
#include "jitter.h"
#include "pipeline.h"
#include "unit.h"

#define DIR "test/fixtures/pipeline/"

typedef struct ref_face
{
	double		score,
				box[4];
	int			lc[4],
				rc[4];
	double		pts[136];
	double		desc[128];
} ref_face;

static int
load_ref(int s, ref_face *faces, int max, int *W, int *H)
{
	char		path[256];
	char	   *text;
	static tsv_line lines[64];
	int			nl,
				n = -1;

	snprintf(path, sizeof(path), DIR "sample%d.tsv", s);
	text = (char *) read_file(path, NULL);
	if (text == NULL)
		return -1;
	nl = tsv_parse(text, lines, 64);
	for (int i = 0; i < nl; i++)
	{
		tsv_line   *l = &lines[i];

		if (strcmp(l->f[0], "image") == 0)
		{
			*W = atoi(l->f[2]);
			*H = atoi(l->f[3]);
		}
		else if (strcmp(l->f[0], "face") == 0 && n + 1 < max)
		{
			n++;
			faces[n].score = strtod(l->f[1], NULL);
			for (int k = 0; k < 4; k++)
				faces[n].box[k] = strtod(l->f[2 + k], NULL);
		}
		else if (n >= 0 && strcmp(l->f[0], "landmark_crop") == 0)
			for (int k = 0; k < 4; k++)
				faces[n].lc[k] = atoi(l->f[1 + k]);
		else if (n >= 0 && strcmp(l->f[0], "recognition_crop") == 0)
			for (int k = 0; k < 4; k++)
				faces[n].rc[k] = atoi(l->f[1 + k]);
		else if (n >= 0 && strcmp(l->f[0], "landmarks") == 0 && l->n == 137)
			for (int k = 0; k < 136; k++)
				faces[n].pts[k] = strtod(l->f[1 + k], NULL);
		else if (n >= 0 && strcmp(l->f[0], "descriptor") == 0 && l->n == 129)
			for (int k = 0; k < 128; k++)
				faces[n].desc[k] = strtod(l->f[1 + k], NULL);
	}
	free(text);
	return n + 1;
}

static int
load_image(int s, of_image *img)
{
	char		path[256];
	size_t		len = 0;
	char	   *data;
	of_error	err;
	of_status	st;

	snprintf(path, sizeof(path), "test/fixtures/images/sample%d.jpg", s);
	data = (char *) read_file(path, &len);
	if (data == NULL)
		return -1;
	st = of_image_decode(data, len, NULL, img, &err);
	free(data);
	return st == OF_OK ? 0 : -1;
}

static int
rect_eq(of_rect r, const int *w)
{
	return r.x == w[0] && r.y == w[1] && r.w == w[2] && r.h == w[3];
}

static double
dist(const float *a, const double *b)
{
	double		s = 0;

	for (int k = 0; k < 128; k++)
		s += (a[k] - b[k]) * (a[k] - b[k]);
	return sqrt(s);
}

static void
check_sample(const of_models *m, int s)
{
	static ref_face ref[16];
	int			W = 0,
				H = 0,
				nref = load_ref(s, ref, 16, &W, &H),
				n = 0;
	of_image	img;
	of_face    *faces = NULL;
	of_pipeline_options o;
	of_error	err;
	double		dbox = 0,
				dpts = 0,
				ddesc = 0,
				dscore = 0;
	int			crops_ok = 1;

	if (!ok(nref > 0 && load_image(s, &img) == 0 && img.width == W && img.height == H,
			"sample%d: reference and image loaded", s))
		return;

	of_pipeline_options_faceapi(&o);
	ok(of_pipeline_run(m, &img, &o, &faces, &n, &err) == OF_OK, "sample%d: face-api flow runs", s);
	ok(n == nref, "sample%d: %d faces (reference %d)", s, n, nref);
	for (int i = 0; i < n && i < nref; i++)
	{
		const of_face *f = &faces[i];
		const ref_face *r = &ref[i];

		if (!rect_eq(f->landmark_crop, r->lc) || !rect_eq(f->recognition_crop, r->rc))
		{
			crops_ok = 0;
			unit_diag("sample%d face %d: crops %d,%d %dx%d / %d,%d %dx%d", s, i,
					  f->landmark_crop.x, f->landmark_crop.y, f->landmark_crop.w, f->landmark_crop.h,
					  f->recognition_crop.x, f->recognition_crop.y, f->recognition_crop.w,
					  f->recognition_crop.h);
		}
		dscore = fmax(dscore, fabs(f->score - r->score));
		dbox = fmax(dbox, fmax(fmax(fabs(f->x - r->box[0]), fabs(f->y - r->box[1])),
							   fmax(fabs(f->w - r->box[2]), fabs(f->h - r->box[3]))));
		for (int k = 0; k < 136; k++)
			dpts = fmax(dpts, fabs(f->landmarks[k] - r->pts[k]));
		ddesc = fmax(ddesc, dist(f->descriptor, r->desc));
	}
	ok(crops_ok, "sample%d: landmark and recognition crops identical", s);
	ok(dscore < 1e-4, "sample%d: scores within 1e-4 (max diff %.2g)", s, dscore);
	ok(dbox < 1e-2, "sample%d: boxes within 1e-2 px (max diff %.2g)", s, dbox);
	ok(dpts < 1e-2, "sample%d: landmarks within 1e-2 px (max diff %.2g)", s, dpts);
	ok(ddesc < 1e-4, "sample%d: descriptors within 1e-4 euclidean (max %.2g)", s, ddesc);
	if (s == 1 && n > 0)
	{
		/* mirrored landmarks (eyes swapped) admit no similarity: face-api crop instead */
		of_face		mirror = faces[0];
		float	   *in = malloc((size_t) 150 * 150 * 3 * sizeof(float));

		for (int k = 0; k < 68; k++)
			mirror.landmarks[2 * k] = 2 * (mirror.x + mirror.w / 2) - mirror.landmarks[2 * k];
		ok(in && of_pipeline_align(&img, &mirror, OF_ALIGN_SIMILARITY, in, &err) == OF_OK &&
		   mirror.align_mode == OF_ALIGN_FACEAPI && mirror.descriptor_valid,
		   "similarity mode falls back to face-api's crop on swapped eyes");
		free(in);
	}
	free(faces);

	/* default mode: the same faces first (extra passes may add more), similar descriptors */
	of_pipeline_options_init(&o);
	faces = NULL;
	ok(of_pipeline_run(m, &img, &o, &faces, &n, &err) == OF_OK, "sample%d: default flow runs", s);
	{
		int			matched = 0,
					level = 1,
					norms = 1;

		for (int i = 0; i < nref; i++)
			for (int j = 0; j < n; j++)
				if (fabs(faces[j].x - ref[i].box[0]) < 0.2 * ref[i].box[2] &&
					fabs(faces[j].y - ref[i].box[1]) < 0.2 * ref[i].box[3])
				{
					matched++;
					break;
				}
		ok(matched == nref, "sample%d: default flow finds the %d reference faces", s, nref);
		for (int j = 0; j < n; j++)
		{
			const of_similarity *t = &faces[j].align;
			double		det = t->a * t->a + t->b * t->b;
			double		e[2][2] = {{0, 0}, {0, 0}};
			double		norm = 0;

			/* eye centres mapped into the chip (inverse of chip → image) */
			for (int k = 0; k < 12; k++)
			{
				double		x = faces[j].landmarks[2 * (36 + k)] - t->tx,
							y = faces[j].landmarks[2 * (36 + k) + 1] - t->ty;

				e[k / 6][0] += (t->a * x + t->b * y) / det / 6;
				e[k / 6][1] += (-t->b * x + t->a * y) / det / 6;
			}
			if (!(fabs(e[0][1] - e[1][1]) < 3 && e[1][0] - e[0][0] > 30))
			{
				level = 0;
				unit_diag("face %d: eyes at (%.1f,%.1f) (%.1f,%.1f)", j, e[0][0], e[0][1], e[1][0], e[1][1]);
			}
			for (int k = 0; k < 128; k++)
				norm += (double) faces[j].descriptor[k] * faces[j].descriptor[k];
			if (!faces[j].descriptor_valid || sqrt(norm) < 1.1 || sqrt(norm) > 1.9)
				norms = 0;
		}
		ok(level, "sample%d: aligned chips have level eyes, left eye left", s);
		ok(norms, "sample%d: aligned descriptors valid with face-like norms", s);
	}
	/* the prominent-only run analyses exactly the face face_embed keeps, to the bit */
	{
		of_face    *one = NULL;
		int			best = of_most_prominent_face(faces, n);

		ok(of_pipeline_run_prominent(m, &img, &o, &one, &err) == OF_OK && one != NULL && best >= 0 &&
		   memcmp(one->descriptor, faces[best].descriptor, sizeof(one->descriptor)) == 0 &&
		   memcmp(one->landmarks, faces[best].landmarks, sizeof(one->landmarks)) == 0 &&
		   one->x == faces[best].x && one->score == faces[best].score,
		   "sample%d: the prominent-only run gives face %d of %d, bit for bit", s, best + 1, n);
		free(one);
	}
	/* without descriptors: the same faces, landmarks and chips, no recognizer run */
	{
		of_pipeline_options lo = o;
		of_face    *lf = NULL;
		int			ln = 0,
					same = 1;

		lo.no_descriptors = 1;
		ok(of_pipeline_run(m, &img, &lo, &lf, &ln, &err) == OF_OK && ln == n,
		   "sample%d: the run without descriptors finds the same %d faces", s, n);
		for (int i = 0; i < ln && i < n; i++)
		{
			float		zero[OF_DESCRIPTOR_DIM] = {0};

			same &= memcmp(lf[i].landmarks, faces[i].landmarks, sizeof(lf[i].landmarks)) == 0 &&
				memcmp(&lf[i].align, &faces[i].align, sizeof(lf[i].align)) == 0 &&
				memcmp(lf[i].descriptor, zero, sizeof(zero)) == 0;
		}
		ok(same, "sample%d: same landmarks and chip transforms, descriptors left zero", s);
		free(lf);
	}
	/* the mirror view: deterministic, the same for a chip and its mirror image, close to one view */
	if (s == 2)
	{
		const int	side = OF_RECOGNIZER_INPUT;
		float	   *in = malloc(sizeof(float) * 3 * side * side);
		float	   *fl = malloc(sizeof(float) * 3 * side * side);
		of_face		f = faces[of_most_prominent_face(faces, n)];
		float		plain[OF_DESCRIPTOR_DIM],
					both[OF_DESCRIPTOR_DIM];
		double		d = 0;
		int			same_again,
					symmetric;

		ok(in && fl && of_pipeline_align(&img, &f, OF_ALIGN_SIMILARITY, in, &err) == OF_OK &&
		   of_pipeline_describe(m, &img, &f, in, 0, &err) == OF_OK, "sample2: one view");
		memcpy(plain, f.descriptor, sizeof(plain));
		of_pipeline_describe(m, &img, &f, in, 1, &err);
		memcpy(both, f.descriptor, sizeof(both));
		of_pipeline_describe(m, &img, &f, in, 1, &err);
		same_again = memcmp(both, f.descriptor, sizeof(both)) == 0;
		for (int y = 0; y < side; y++)
			for (int x = 0; x < side; x++)
				memcpy(fl + 3 * (y * side + x), in + 3 * (y * side + side - 1 - x), 3 * sizeof(float));
		of_pipeline_describe(m, &img, &f, fl, 1, &err);
		symmetric = memcmp(both, f.descriptor, sizeof(both)) == 0;
		for (int k = 0; k < OF_DESCRIPTOR_DIM; k++)
			d += (double) (both[k] - plain[k]) * (both[k] - plain[k]);
		ok(same_again, "sample2: the mirror view is deterministic");
		ok(symmetric, "sample2: a chip and its mirror image get the same two-view descriptor");
		ok(sqrt(d) > 1e-3 && sqrt(d) < 0.2, "sample2: two views move the descriptor a little (%.4f)", sqrt(d));

		/* jittered views: sampled from the image, the same every time, the mean of the views */
		{
			float		jit[OF_DESCRIPTOR_DIM],
						sum[OF_DESCRIPTOR_DIM] = {0},
						one[OF_DESCRIPTOR_DIM];
			double		dj = 0,
						dm = 0;

			of_pipeline_align(&img, &f, OF_ALIGN_SIMILARITY, in, &err);
			ok(of_pipeline_describe(m, &img, &f, in, 4, &err) == OF_OK, "sample2: jitter 4");
			memcpy(jit, f.descriptor, sizeof(jit));
			of_pipeline_describe(m, &img, &f, in, 4, &err);
			ok(memcmp(jit, f.descriptor, sizeof(jit)) == 0, "sample2: jitter 4 is deterministic");
			for (int k = 0; k < 5; k++)
			{
				of_pipeline_view_descriptor(m, &img, &f, in, k, one, &err);
				for (int i = 0; i < OF_DESCRIPTOR_DIM; i++)
					sum[i] += one[i];
			}
			for (int i = 0; i < OF_DESCRIPTOR_DIM; i++)
			{
				dm = fmax(dm, fabs(sum[i] / 5 - jit[i]));
				dj += (double) (jit[i] - both[i]) * (jit[i] - both[i]);
			}
			ok(dm < 1e-6, "sample2: jitter 4 = the mean of views 0-4 (max diff %.2g)", dm);
			ok(sqrt(dj) > 1e-3 && sqrt(dj) < 0.2,
			   "sample2: jittered views move the descriptor a little from two views (%.4f)", sqrt(dj));
			ok(of_pipeline_view_descriptor(m, &img, &f, in, OF_JITTER_MAX + 1, one, &err) == OF_EINVAL,
			   "sample2: no view past the most jitter allows");
		}

		/* views 2 and 3: the chip and mirror that aligning in dlib's geometry gives */
		{
			of_face		fd = f;
			float	   *din = malloc(sizeof(float) * 3 * OF_RECOGNIZER_INPUT * OF_RECOGNIZER_INPUT);
			float		own[2][OF_DESCRIPTOR_DIM] = {{0}},
						other[2][OF_DESCRIPTOR_DIM] = {{0}};
			int			same = din != NULL &&
				of_pipeline_align(&img, &fd, OF_ALIGN_DLIB, din, &err) == OF_OK &&
				fd.align_mode == OF_ALIGN_DLIB;

			for (int k = 0; same && k < 2; k++)
				same = of_pipeline_view_descriptor(m, &img, &fd, din, k, own[k], &err) == OF_OK &&
					of_pipeline_view_descriptor(m, &img, &f, in, 2 + k, other[k], &err) == OF_OK &&
					memcmp(own[k], other[k], sizeof(own[k])) == 0;
			ok(same, "sample2: views 2 and 3 are dlib's chip and its mirror image, to the bit");
			ok(memcmp(other[0], other[1], sizeof(other[0])) != 0,
			   "sample2: view 3 is not view 2");
			free(din);
		}
		free(in);
		free(fl);
	}
	free(faces);

	/*
	 * A canvas pass must map its boxes back onto the image: with the photo
	 * shrunk to 70 % of the canvas (a wrong mapping would move boxes by about
	 * a sixth of the photo), every reference face is found again and at most
	 * one extra face appears (sample1 and sample4 have a fourth person that
	 * face-api misses).
	 */
	of_pipeline_options_faceapi(&o);
	o.npasses = 1;
	o.passes[0] = (of_detector_pass) {416, 0.7, 0};
	faces = NULL;
	ok(of_pipeline_run(m, &img, &o, &faces, &n, &err) == OF_OK, "sample%d: canvas pass runs", s);
	{
		int			matched = 0;

		for (int i = 0; i < nref; i++)
			for (int j = 0; j < n; j++)
			{
				double		ix = fmin(faces[j].x + faces[j].w, ref[i].box[0] + ref[i].box[2]) -
					fmax(faces[j].x, ref[i].box[0]);
				double		iy = fmin(faces[j].y + faces[j].h, ref[i].box[1] + ref[i].box[3]) -
					fmax(faces[j].y, ref[i].box[1]);
				double		inter = fmax(ix, 0) * fmax(iy, 0);

				if (inter / (faces[j].w * faces[j].h + ref[i].box[2] * ref[i].box[3] - inter) > 0.5)
				{
					matched++;
					break;
				}
			}
		ok(matched == nref && n <= nref + 1,
		   "sample%d: canvas pass boxes land on the %d reference faces (%d boxes, %d matched)",
		   s, nref, n, matched);
	}

	of_pipeline_options_init(&o);
	free(faces);
	faces = NULL;
	n = 0;
	of_pipeline_run(m, &img, &o, &faces, &n, &err);
	if (n > 0)
	{
		of_image	chip;
		int			best = of_most_prominent_face(faces, n);

		ok(best >= 0 && of_pipeline_chip(&img, &faces[best], 150, &chip, &err) == OF_OK &&
		   chip.width == 150 && chip.height == 150, "sample%d: aligned chip", s);
		of_image_free(&chip);
	}
	free(faces);
	of_image_free(&img);
}

static void
check_prominent(void)
{
	of_face		f[3];

	memset(f, 0, sizeof(f));
	f[0].w = f[0].h = 100;
	f[0].score = 0.6;
	f[1].w = f[1].h = 120;
	f[1].score = 0.55;
	f[2].w = f[2].h = 50;
	f[2].score = 0.99;
	ok(of_most_prominent_face(f, 3) == 1, "most prominent: largest area x score");
	ok(of_most_prominent_face(f, 0) == -1, "most prominent: none");
}

/* The small-face tile: centred on the near miss, inside the image, at the pass's scale. */
static void
check_small_face_tile(void)
{
	of_pipeline_options o;
	of_detection d;
	of_rect		r;
	int			T;

	of_pipeline_options_init(&o);
	memset(&d, 0, sizeof(d));
	/* a 60 px near miss in a 1920 x 1280 photo: 20 px at 640, 1.5 x = 30 -> the 128 minimum */
	d.x = 900, d.y = 600, d.w = 60, d.h = 50;
	T = of_small_face_tile(&o.small, &d, 1920, 1280, &r);
	ok(T == 128 && r.w == 384 && r.h == 384 && r.x == 930 - 192 && r.y == 625 - 192,
	   "small-face tile: minimum size, centred (T %d, %d,%d %dx%d)", T, r.x, r.y, r.w, r.h);
	/* larger near miss: 1.5 x its side at the pass's scale, rounded up to 32 */
	d.w = d.h = 300;
	T = of_small_face_tile(&o.small, &d, 1920, 1280, &r);
	ok(T == 160 && r.w == 480, "small-face tile: 1.5 x the side, a multiple of 32 (T %d, %d px)",
	   T, r.w);
	/* at a corner the tile moves inside the image */
	d.x = d.y = -20;
	d.w = d.h = 60;
	T = of_small_face_tile(&o.small, &d, 1920, 1280, &r);
	ok(r.x == 0 && r.y == 0 && r.w == 384, "small-face tile: clamped at the top-left corner");
	d.x = 1900, d.y = 1270;
	T = of_small_face_tile(&o.small, &d, 1920, 1280, &r);
	ok(r.x + r.w == 1920 && r.y + r.h == 1280, "small-face tile: clamped at the bottom-right corner");
	/* a tile larger than the photo is the whole photo */
	d.x = d.y = 50;
	d.w = d.h = 400;
	T = of_small_face_tile(&o.small, &d, 500, 375, &r);
	ok(r.x == 0 && r.y == 0 && r.w == 500 && r.h == 375 && T == o.small.input_size,
	   "small-face tile: never larger than the photo (%d,%d %dx%d, T %d)", r.x, r.y, r.w, r.h, T);
}

/*
 * A photo: detected on a DCT-scaled view, faces cut from full-resolution
 * regions.  Not scaled (sample2 under the defaults), the same faces to the
 * bit as on the whole decode; scaled (without the small-face tiles the view
 * may be 1/2), the same face, a nearby descriptor, and only part of the
 * photo decoded at full size.
 */
static void
check_photo(const of_models *m)
{
	size_t		len;
	unsigned char *data = (unsigned char *) read_file("test/fixtures/images/sample2.jpg", &len);
	of_image	img;
	of_pipeline_options o;
	of_error	err;

	if (!ok(data != NULL && of_image_decode(data, len, NULL, &img, &err) == OF_OK,
			"photo: sample2 decoded"))
		return;
	for (int scaled = 0; scaled <= 1; scaled++)
	{
		of_photo	ph;
		of_face    *a = NULL,
				   *b = NULL;
		int			na = 0,
					nb = 0;

		of_pipeline_options_init(&o);
		if (scaled)
			o.small.input_size = 0;
		ok(of_pipeline_run(m, &img, &o, &a, &na, &err) == OF_OK &&
		   of_photo_open(data, len, NULL, of_pipeline_detect_side(&o), &ph, &err) == OF_OK &&
		   of_pipeline_run_photo(m, &ph, &o, 1, &b, &nb, &err) == OF_OK &&
		   of_photo_scaled(&ph) == scaled && na == 1 && nb == 1,
		   "photo (%s view): one face on both paths", scaled ? "scaled" : "whole");
		if (na == 1 && nb == 1 && !scaled)
			ok(memcmp(a, b, sizeof(*a)) == 0, "photo (whole view): the same face to the bit");
		else if (na == 1 && nb == 1)
		{
			double		d = 0;

			for (int k = 0; k < OF_DESCRIPTOR_DIM; k++)
				d += (double) (a->descriptor[k] - b->descriptor[k]) * (a->descriptor[k] - b->descriptor[k]);
			ok(fabs(a->x - b->x) < 10 && fabs(a->y - b->y) < 10 && fabs(a->w - b->w) < 10 &&
			   sqrt(d) < 0.1, "photo (scaled view %dx%d): the same face, descriptors %.4f apart",
			   ph.view.width, ph.view.height, sqrt(d));
			ok((double) ph.have.w * ph.have.h < 0.2 * img.width * img.height,
			   "photo (scaled view): %dx%d of %dx%d decoded at full size", ph.have.w, ph.have.h,
			   img.width, img.height);
		}
		free(a);
		free(b);
		of_photo_free(&ph);
	}
	of_image_free(&img);
	free(data);
}

/*
 * The small-face tiles on the demo photos: sample4's fourth person (missed by
 * face-api) is found, and no tile adds the lower half of sample1's tilted
 * face as a face of its own.
 */
static void
check_small_face_counts(const of_models *m)
{
	static const int expect[7] = {0, 3, 1, 3, 4, 5, 5};

	for (int s = 1; s <= 6; s++)
	{
		of_image	img;
		of_pipeline_options o;
		of_face    *faces = NULL;
		int			n = -1;
		of_error	err;
		of_status	st;

		if (load_image(s, &img) != 0)
			continue;
		of_pipeline_options_init(&o);
		o.no_descriptors = 1;
		st = of_pipeline_run(m, &img, &o, &faces, &n, &err);
		ok(st == OF_OK && n == expect[s],
		   "sample%d: %d faces in the default mode (want %d)", s, n, expect[s]);
		free(faces);
		of_image_free(&img);
	}
}

static int
always_cancel(void)
{
	return 1;
}

static void
check_cancel(const of_models *m)
{
	of_image	img;
	of_face    *faces = (of_face *) &img;
	int			n = -1;
	of_pipeline_options o;
	of_error	err;

	if (!ok(load_image(2, &img) == 0, "cancel: image loaded"))
		return;
	of_pipeline_options_init(&o);
	of_set_cancel_hook(always_cancel);
	ok(of_pipeline_run(m, &img, &o, &faces, &n, &err) == OF_ECANCELED && faces == NULL && n == 0,
	   "a cancelled run returns OF_ECANCELED and no faces");
	of_set_cancel_hook(NULL);
	of_image_free(&img);
}

int
main(void)
{
	const char *dir = getenv("OPENFACE_MODEL_DIR");
	char		path[512];
	of_models  *m = NULL;
	of_error	err;

	snprintf(path, sizeof(path), "%s/openface.ofm", dir && *dir ? dir : "models");
	if (!ok(of_models_open(path, &m, &err) == OF_OK, "open %s", path))
	{
		unit_diag("%s (make models)", err.msg);
		return unit_done();
	}
	for (int s = 1; s <= 6; s++)
		check_sample(m, s);
	check_prominent();
	check_small_face_tile();
	check_photo(m);
	check_small_face_counts(m);
	check_cancel(m);
	of_models_close(m);
	return unit_done();
}
