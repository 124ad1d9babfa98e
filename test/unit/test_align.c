/*
 * Alignment: face-api's descriptor crop against the reference (every face of
 * the six demo photos and of the labelled set), the similarity alignment
 * checked by hand (fit recovers known transforms, warp samples correctly,
 * a tilted face comes out with level eyes), dlib's chip geometry on points
 * computed by hand, and the jitter views (fixed, within dlib's ranges).
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"
#include "fixture_tsv.h"
#include "jitter.h"
#include "nets/landmark_post.h"
#include "unit.h"

#define DIR "test/fixtures/pipeline/"

static int
rect_is(of_rect r, tsv_line *l, int first)
{
	return r.x == atoi(l->f[first]) && r.y == atoi(l->f[first + 1]) &&
		r.w == atoi(l->f[first + 2]) && r.h == atoi(l->f[first + 3]);
}

static void
check_samples(void)
{
	int			nfaces = 0,
				nbad = 0;

	for (int s = 1; s <= 6; s++)
	{
		char		path[256];
		char	   *text;
		static tsv_line lines[64];
		int			nl,
					W = 0,
					H = 0;
		tsv_line   *lc = NULL,
				   *dl = NULL,
				   *rc = NULL;

		snprintf(path, sizeof(path), DIR "sample%d.tsv", s);
		text = (char *) read_file(path, NULL);
		if (!ok(text != NULL, "read %s", path))
			continue;
		nl = tsv_parse(text, lines, 64);
		for (int i = 0; i < nl; i++)
		{
			tsv_line   *l = &lines[i];

			if (strcmp(l->f[0], "image") == 0)
			{
				W = atoi(l->f[2]);
				H = atoi(l->f[3]);
			}
			else if (strcmp(l->f[0], "landmark_crop") == 0)
				lc = l;
			else if (strcmp(l->f[0], "dlib_rect") == 0)
				dl = l;
			else if (strcmp(l->f[0], "recognition_crop") == 0)
				rc = l;
			else if (strcmp(l->f[0], "landmarks") == 0 && lc && dl && rc && l->n == 137)
			{
				double		pts[136];
				int			cw = atoi(lc->f[3]),
							ch = atoi(lc->f[4]);
				of_rect		a,
							r;

				for (int k = 0; k < 136; k++)
					pts[k] = strtod(l->f[k + 1], NULL);
				a = of_faceapi_align_rect(pts, cw, ch);
				r = of_faceapi_descriptor_crop(pts, cw, ch, W, H);
				nfaces++;
				if (!rect_is(a, dl, 1) || !rect_is(r, rc, 1))
				{
					nbad++;
					unit_diag("sample%d: got %d,%d %dx%d", s, r.x, r.y, r.w, r.h);
				}
				lc = dl = rc = NULL;
			}
		}
		free(text);
	}
	ok(nfaces == 20 && nbad == 0, "demo photos: %d descriptor crops identical (%d differ)", nfaces, nbad);
}

static void
check_faces(void)
{
	char	   *text = (char *) read_file(DIR "faces_crops.tsv", NULL);
	static tsv_line lines[64];
	int			nl,
				nbad = 0;

	if (!ok(text != NULL, "read faces_crops.tsv"))
		return;
	nl = tsv_parse(text, lines, 64);
	for (int i = 0; i < nl; i++)
	{
		tsv_line   *l = &lines[i];
		double		pts[136];
		of_rect		a,
					r;

		if (l->n != 19 + 136)
		{
			nbad++;
			continue;
		}
		for (int k = 0; k < 136; k++)
			pts[k] = strtod(l->f[19 + k], NULL);
		a = of_faceapi_align_rect(pts, atoi(l->f[9]), atoi(l->f[10]));
		r = of_faceapi_descriptor_crop(pts, atoi(l->f[9]), atoi(l->f[10]),
									   atoi(l->f[1]), atoi(l->f[2]));
		if (!rect_is(a, l, 11) || !rect_is(r, l, 15))
			nbad++;
	}
	ok(nl >= 30 && nbad == 0, "labelled set: %d descriptor crops identical (%d differ)", nl, nbad);
	free(text);
}

/* a synthetic upright face: eyes at (40,50) and (80,50), mouth points around (60,100) */
static void
synthetic_face(double *pts)
{
	for (int i = 0; i < 68; i++)
	{
		pts[2 * i] = 60;
		pts[2 * i + 1] = 75;
	}
	for (int i = 36; i < 42; i++)
	{
		pts[2 * i] = 40 + (i - 38.5);
		pts[2 * i + 1] = 50;
	}
	for (int i = 42; i < 48; i++)
	{
		pts[2 * i] = 80 + (i - 44.5);
		pts[2 * i + 1] = 50;
	}
	for (int i = 48; i < 68; i++)
	{
		pts[2 * i] = 60 + (i - 57.5);
		pts[2 * i + 1] = 100;
	}
}

static void
check_faceapi_by_hand(void)
{
	double		pts[136];
	of_rect		r;

	/*
	 * le = (40,50), re = (80,50), mo = (60,100): d = sqrt(20^2+50^2) = 53.85,
	 * size = floor(119.67) = 119, ref = (60, 66.67): x = floor(60-59.5) = 0,
	 * y = floor(66.67-51.17) = 15.
	 */
	synthetic_face(pts);
	r = of_faceapi_align_rect(pts, 200, 200);
	ok(r.x == 0 && r.y == 15 && r.w == 119 && r.h == 119, "face-api rect by hand (%d,%d %dx%d)",
	   r.x, r.y, r.w, r.h);
	/* landmark crop of 100x50 bounds the size: min(119, 100 + 0), min(119, 50 + 15) */
	r = of_faceapi_align_rect(pts, 100, 50);
	ok(r.w == 100 && r.h == 65, "face-api rect bounded by the landmark crop size (%dx%d)", r.w, r.h);
	/* the whole face right of a 10-px-wide image: the crop has no width */
	for (int i = 0; i < 68; i++)
		pts[2 * i] += 200;
	r = of_faceapi_descriptor_crop(pts, 200, 200, 10, 300);
	ok(r.w <= 0, "face outside the image gives a crop with no width (w = %d)", r.w);
}

static void
check_similarity(void)
{
	double		pts[136],
				rot[136];
	of_similarity t,
				t0;
	of_error	err;
	double		ang = 30 * 3.14159265358979323846 / 180,
				s = 2.5;
	double		c = cos(ang) * s,
				sn = sin(ang) * s;

	of_align_template(150, pts);
	ok(of_similarity_fit(pts, 150, &t0, &err) == OF_OK, "fit the template itself");
	ok(fabs(t0.a - 1) < 1e-12 && fabs(t0.b) < 1e-12 && fabs(t0.tx) < 1e-9 && fabs(t0.ty) < 1e-9,
	   "template → identity (a %.3g b %.3g t %.3g,%.3g)", t0.a, t0.b, t0.tx, t0.ty);
	{
		double		lex = 0, ley = 0, rex = 0, rey = 0, mox = 0, moy = 0;

		for (int i = 36; i < 42; i++)
		{
			lex += pts[2 * i] / 6;
			ley += pts[2 * i + 1] / 6;
			rex += pts[2 * i + 12] / 6;
			rey += pts[2 * i + 13] / 6;
		}
		for (int i = 48; i < 68; i++)
		{
			mox += pts[2 * i] / 20;
			moy += pts[2 * i + 1] / 20;
		}
		ok(fabs(ley - rey) < 1e-9 && fabs(lex + rex - 150) < 1e-3 && fabs(mox - 75) < 1e-3,
		   "template: eyes level, face symmetric about the chip's centre line");
		ok(fabs((lex + rex + mox) / 3 - 75) < 1e-3 && fabs((ley + rey + moy) / 3 - 0.43 * 150) < 1e-3,
		   "template: eye/mouth centroid where face-api's crop puts it (0.5, 0.43)");
		ok(fabs(hypot(mox - lex, moy - ley) - 0.45 * 150) < 1e-3,
		   "template: eye-to-mouth distance 0.45 of the side (face-api's scale)");
	}

	/* rotate by 30 degrees, scale 2.5 and move: the fit recovers the transform */
	for (int i = 0; i < 68; i++)
	{
		double		x = pts[2 * i],
					y = pts[2 * i + 1];

		rot[2 * i] = c * x - sn * y + 300;
		rot[2 * i + 1] = sn * x + c * y - 40;
	}
	ok(of_similarity_fit(rot, 150, &t, &err) == OF_OK, "fit a rotated face");
	ok(fabs(t.a - c) < 1e-9 && fabs(t.b - sn) < 1e-9 && fabs(t.tx - 300) < 1e-7 && fabs(t.ty + 40) < 1e-7,
	   "fit recovers rotation 30 deg, scale 2.5, translation");

	/* a non-template face: the fit is equivariant under similarity transforms */
	synthetic_face(pts);
	of_similarity_fit(pts, 150, &t0, &err);
	for (int i = 0; i < 68; i++)
	{
		double		x = pts[2 * i],
					y = pts[2 * i + 1];

		rot[2 * i] = c * x - sn * y + 300;
		rot[2 * i + 1] = sn * x + c * y - 40;
	}
	of_similarity_fit(rot, 150, &t, &err);
	ok(fabs(t.a - (c * t0.a - sn * t0.b)) < 1e-9 && fabs(t.b - (sn * t0.a + c * t0.b)) < 1e-9 &&
	   fabs(t.tx - (c * t0.tx - sn * t0.ty + 300)) < 1e-7 &&
	   fabs(t.ty - (sn * t0.tx + c * t0.ty - 40)) < 1e-7,
	   "fit is equivariant: rotated+scaled+moved landmarks give the composed transform");

	for (int i = 0; i < 136; i++)
		rot[i] = 5;
	ok(of_similarity_fit(rot, 150, &t, &err) == OF_EINVAL, "all landmarks on one point: rejected");
}

static void
check_warp(void)
{
	/* 4x3 image with value = 10*x + y in R, 255 - that in G, x*y in B */
	unsigned char rgb[4 * 3 * 3];
	of_image	img = {4, 3, rgb};
	of_similarity t = {0.5, 0, 0.5, 0.25};	/* chip (u,v) → image (0.5u+0.5, 0.5v+0.25) */
	float		mean[3] = {0, 0, 0};
	float		out[6 * 6 * 3];
	of_image	chip;
	of_error	err;

	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 4; x++)
		{
			rgb[(y * 4 + x) * 3] = (unsigned char) (10 * x + y);
			rgb[(y * 4 + x) * 3 + 1] = (unsigned char) (255 - (10 * x + y));
			rgb[(y * 4 + x) * 3 + 2] = (unsigned char) (x * y);
		}
	of_similarity_warp_input(&img, &t, 6, mean, out);
	/* chip (2,1) → image (1.5, 0.75): R = 10*1.5 + 0.75 = 15.75 (R is linear) */
	ok(fabs(out[(1 * 6 + 2) * 3] * 255.0f - 15.75f) < 1e-4, "warp: bilinear value at (2,1) = %.4f",
	   out[(1 * 6 + 2) * 3] * 255.0);
	/* B = x*y is bilinear: at (1.5, 0.75) = 1.125 */
	ok(fabs(out[(1 * 6 + 2) * 3 + 2] * 255.0f - 1.125f) < 1e-4, "warp: bilinear of x*y exact");
	/* chip (5,5) → image (3, 2.75): between row 2 and the zero outside → 0.25*weight */
	ok(fabs(out[(5 * 6 + 5) * 3] * 255.0f - 0.25f * 32) < 1e-4,
	   "warp: outside the image counts as zero (%.4f)", out[(5 * 6 + 5) * 3] * 255.0);

	ok(of_similarity_warp_rgb(&img, &t, 6, &chip, &err) == OF_OK && chip.width == 6,
	   "warp to an RGB8 chip");
	ok(chip.rgb[(1 * 6 + 2) * 3] == 16 && chip.rgb[(1 * 6 + 2) * 3 + 1] == 239,
	   "RGB8 chip rounds to nearest (%d, %d)", chip.rgb[(1 * 6 + 2) * 3], chip.rgb[(1 * 6 + 2) * 3 + 1]);
	free(chip.rgb);

	/* normalisation like the recognition input: (v - mean) / 255 in float32 */
	{
		float		fm[3] = {122.782f, 117.001f, 104.298f};

		of_similarity_warp_input(&img, &t, 6, fm, out);
		ok(out[(1 * 6 + 2) * 3] == ((float) 15.75 - 122.782f) / 255.0f, "normalised with the face mean");
	}
}

/* the image of p under x = a u - b v + tx, y = b u + a v + ty */
static void
apply(const of_similarity *t, double u, double v, double *x, double *y)
{
	*x = t->a * u - t->b * v + t->tx;
	*y = t->b * u + t->a * v + t->ty;
}

static void
check_dlib(void)
{
	double		pts[136],
				img[136],
				x,
				y;
	of_similarity t;
	of_error	err;

	/*
	 * dlib's nose tip (point 30) sits at (0.490127, 0.515625) of its mean face;
	 * with padding 0.25 in a 150 chip: (0.25 + 0.490127) / 1.5 * 150 = 74.0127,
	 * (0.25 + 0.515625) / 1.5 * 150 = 76.5625.
	 */
	of_dlib_template(150, 0.25, pts);
	ok(fabs(pts[60] - 74.0127) < 1e-9 && fabs(pts[61] - 76.5625) < 1e-9,
	   "dlib template: nose tip at (%.4f, %.4f)", pts[60], pts[61]);
	ok(isnan(pts[0]) && isnan(pts[33]) && !isnan(pts[34]), "dlib template: no jaw points");

	/*
	 * Landmarks = the template scaled 2x, turned 90 degrees, moved by (300, 10):
	 * image = (-2v + 300, 2u + 10).  dlib puts the chip's corner pixels on the
	 * fitted square's corners, so the map is the fit stretched by 150/149
	 * about the middle: a = 0, b = 2 * 150 / 149, and chip pixel (74.5, 74.5)
	 * lands where the fit sends the chip centre (75, 75): (150, 160).
	 */
	for (int i = 0; i < 68; i++)
	{
		img[2 * i] = isnan(pts[2 * i]) ? 0 : -2 * pts[2 * i + 1] + 300;
		img[2 * i + 1] = isnan(pts[2 * i]) ? 0 : 2 * pts[2 * i] + 10;
	}
	ok(of_similarity_fit_dlib(img, 150, 0.25, &t, &err) == OF_OK, "dlib fit of a turned face");
	apply(&t, 74.5, 74.5, &x, &y);
	ok(fabs(t.a) < 1e-9 && fabs(t.b - 2.0 * 150 / 149) < 1e-9,
	   "dlib fit: turned 90 degrees, scale 2 x 150/149 (a %.6f b %.6f)", t.a, t.b);
	ok(fabs(x - 150) < 1e-7 && fabs(y - 160) < 1e-7, "dlib fit: middle pixel → (%.4f, %.4f)", x, y);
	apply(&t, 0, 0, &x, &y);
	/* corner pixel 0 → centre - (75 * 2) along each chip axis: (150 + 150, 160 - 150) */
	ok(fabs(x - 300) < 1e-7 && fabs(y - 10) < 1e-7, "dlib fit: corner pixel → (%.4f, %.4f)", x, y);

	/* the jaw and the lower lip do not move the fit */
	img[0] += 50;
	img[2 * 57 + 1] += 50;
	{
		of_similarity t2;

		of_similarity_fit_dlib(img, 150, 0.25, &t2, &err);
		ok(memcmp(&t, &t2, sizeof(t)) == 0, "dlib fit ignores the jaw and the lower lip");
	}
	for (int i = 0; i < 136; i++)
		img[i] = 7;
	ok(of_similarity_fit_dlib(img, 150, 0.25, &t, &err) == OF_EINVAL,
	   "dlib fit: all landmarks on one point rejected");
}

static void
check_compose(void)
{
	of_similarity outer = {0, 2, 300, 10},	/* (u, v) → (-2v + 300, 2u + 10) */
				inner = {0.5, 0, 4, 6},	/* (u, v) → (0.5u + 4, 0.5v + 6) */
				t;
	double		x,
				y;

	/* (2, 4) → inner (5, 8) → outer (-16 + 300, 10 + 10) = (284, 20) */
	of_similarity_compose(&outer, &inner, &t);
	apply(&t, 2, 4, &x, &y);
	ok(fabs(x - 284) < 1e-12 && fabs(y - 20) < 1e-12, "compose: (2, 4) → (%.3f, %.3f)", x, y);
}

static void
check_jitter(void)
{
	of_jitter_view v0,
				v1,
				v,
				again;
	int			in_range = 1,
				mirrors = 0,
				distinct = 1;
	double		box = 150 - 1 - 2 * 3;

	of_jitter_view_get(0, 150, &v0);
	of_jitter_view_get(1, 150, &v1);
	ok(v0.map.a == 1 && v0.map.b == 0 && v0.map.tx == 0 && v0.map.ty == 0 && !v0.mirror,
	   "jitter view 0: the chip itself");
	ok(memcmp(&v0.map, &v1.map, sizeof(v0.map)) == 0 && v1.mirror, "jitter view 1: its mirror image");
	for (int k = 2; k <= OF_JITTER_MAX; k++)
	{
		double		scale,
					deg,
					cx,
					cy;
		of_jitter_view prev;

		of_jitter_view_get(k, 150, &v);
		of_jitter_view_get(k, 150, &again);
		of_jitter_view_get(k - 1, 150, &prev);
		/* fields, not the struct: its padding is never written */
		in_range &= memcmp(&v.map, &again.map, sizeof(v.map)) == 0 && v.mirror == again.mirror;
		distinct &= memcmp(&v.map, &prev.map, sizeof(v.map)) != 0;
		scale = hypot(v.map.a, v.map.b);
		deg = atan2(v.map.b, v.map.a) * 180 / 3.14159265358979323846;
		apply(&v.map, 74.5, 74.5, &cx, &cy);
		/* the face box fills 0.97-1 of the view; the view's middle moves at most 2 % of the box */
		in_range &= scale >= box / 149 - 1e-12 && scale <= box / 0.97 / 149 + 1e-12 &&
			fabs(deg) <= 3 + 1e-9 && fabs(cx - 74.5) <= 0.02 * box + 1e-9 &&
			fabs(cy - 74.5) <= 0.02 * box + 1e-9;
		mirrors += v.mirror;
	}
	ok(in_range, "jitter views 2..%d: the same on every call, within dlib's ranges", OF_JITTER_MAX);
	ok(distinct, "jitter views differ from one another");
	ok(mirrors == (OF_JITTER_MAX - 1) / 2, "every other jitter view mirrored (%d)", mirrors);
}

int
main(void)
{
	check_samples();
	check_faces();
	check_faceapi_by_hand();
	check_similarity();
	check_warp();
	check_dlib();
	check_compose();
	check_jitter();
	return unit_done();
}
