/*
 * Landmark glue against the face-api reference: crop rectangles from
 * detection boxes, raw → relative post-processing (bit-exact float32), and
 * relative → image pixels (the unfloored box origin quirk).
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_tsv.h"
#include "nets/landmark_post.h"
#include "unit.h"

#define DIR "test/fixtures/pipeline/"
#define NETS_DIR "test/fixtures/nets/"		/* raw outputs, shared with test_nets */

static void
check_case(const char *id)
{
	char		path[256];
	char	   *text;
	tsv_line	lines[8];
	int			nl;
	of_rect		want = {0, 0, 0, 0},
				got;
	double		bx = 0,
				by = 0,
				bw = 0,
				bh = 0;
	double		want_pts[136],
				pts[136];
	float	   *raw,
			   *rel_ref;
	float		rel[136];
	int			have_pts = 0;
	double		maxd = 0;

	snprintf(path, sizeof(path), DIR "%s.tsv", id);
	text = (char *) read_file(path, NULL);
	if (!ok(text != NULL, "%s: read %s", id, path))
		return;
	nl = tsv_parse(text, lines, 8);
	for (int i = 0; i < nl; i++)
	{
		tsv_line   *l = &lines[i];

		if (strcmp(l->f[0], "crop") == 0 && l->n == 5)
		{
			want.x = atoi(l->f[1]);
			want.y = atoi(l->f[2]);
			want.w = atoi(l->f[3]);
			want.h = atoi(l->f[4]);
		}
		else if (strcmp(l->f[0], "box") == 0 && l->n == 5)
		{
			bx = strtod(l->f[1], NULL);
			by = strtod(l->f[2], NULL);
			bw = strtod(l->f[3], NULL);
			bh = strtod(l->f[4], NULL);
		}
		else if (strcmp(l->f[0], "landmarks") == 0 && l->n == 137)
		{
			for (int k = 0; k < 136; k++)
				want_pts[k] = strtod(l->f[k + 1], NULL);
			have_pts = 1;
		}
	}
	free(text);

	/* the lm_3 image is the 900x1398 crop of sample5; no clipping in any case */
	got = of_landmark_crop(bx, by, bw, bh, 4000, 4000);
	ok(got.x == want.x && got.y == want.y && got.w == want.w && got.h == want.h,
	   "%s: landmark crop %d,%d %dx%d (expected %d,%d %dx%d)", id,
	   got.x, got.y, got.w, got.h, want.x, want.y, want.w, want.h);

	snprintf(path, sizeof(path), NETS_DIR "%s_output_raw.f32", id);
	raw = fixture_f32(path, 136);
	snprintf(path, sizeof(path), DIR "%s_output_rel.f32", id);
	rel_ref = fixture_f32(path, 136);
	if (ok(raw && rel_ref && have_pts, "%s: read raw/rel outputs and landmarks", id))
	{
		int			nbad = 0;

		of_landmarks_relative(raw, want.w, want.h, rel);
		for (int k = 0; k < 136; k++)
			if (memcmp(&rel[k], &rel_ref[k], sizeof(float)) != 0)
				nbad++;
		ok(nbad == 0, "%s: relative landmarks bit-identical (%d of 136 differ)", id, nbad);

		of_landmarks_to_image(rel_ref, want.w, want.h, bx, by, pts);
		for (int k = 0; k < 136; k++)
			maxd = fmax(maxd, fabs(pts[k] - want_pts[k]));
		ok(maxd == 0, "%s: image landmarks bit-identical (max diff %.3g px)", id, maxd);
	}
	free(raw);
	free(rel_ref);
}

/* landmark crops of every face of the labelled set (includes border faces if any) */
static void
check_faces_crops(void)
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
		of_rect		r;

		if (l->n < 11)
		{
			nbad++;
			continue;
		}
		r = of_landmark_crop(strtod(l->f[3], NULL), strtod(l->f[4], NULL),
							 strtod(l->f[5], NULL), strtod(l->f[6], NULL),
							 atoi(l->f[1]), atoi(l->f[2]));
		if (r.x != atoi(l->f[7]) || r.y != atoi(l->f[8]) || r.w != atoi(l->f[9]) ||
			r.h != atoi(l->f[10]))
		{
			nbad++;
			unit_diag("%s: got %d,%d %dx%d", l->f[0], r.x, r.y, r.w, r.h);
		}
	}
	ok(nl >= 30 && nbad == 0, "labelled set: %d landmark crops identical (%d differ)", nl, nbad);
	free(text);
}

static void
check_clip_rules(void)
{
	/* a box crossing the left/top border and one crossing the right/bottom */
	of_rect		a = of_clip_rect(-10.7, -3.2, 50.9, 40.1, 100, 80);
	of_rect		b = of_clip_rect(70.6, 60.4, 50, 50, 100, 80);

	ok(a.x == 0 && a.y == 0 && a.w == 40 && a.h == 36,
	   "clip at left/top: origin 0, size shrinks by the overhang (%d,%d %dx%d)", a.x, a.y, a.w, a.h);
	ok(b.x == 70 && b.y == 60 && b.w == 29 && b.h == 19,
	   "clip at right/bottom: sizes floored from image edge minus unfloored origin (%d,%d %dx%d)",
	   b.x, b.y, b.w, b.h);
}

static void
check_post_hand(void)
{
	/*
	 * A 100x50 crop: s = 1.12, w = 112, h = 56, padY = 28.  The raw point
	 * (0.5, 0.5) is the centre of the padded square → (0.5, 0.5) of the crop.
	 */
	float		raw[136],
				rel[136];
	double		pts[136];

	for (int k = 0; k < 136; k++)
		raw[k] = 0.5f;
	raw[1] = 0.25f;				/* the top edge of the real image: y = 28/112 */
	of_landmarks_relative(raw, 100, 50, rel);
	ok(rel[0] == 0.5f && rel[1] == 0.0f && rel[3] == 0.5f, "post-processing removes the centred padding");
	of_landmarks_to_image(rel, 100, 50, 10.25, 20.5, pts);
	ok(pts[2] == 60.25 && pts[3] == 45.5, "to image: relative x crop size + unfloored box origin");
}

int
main(void)
{
	check_case("lm_1");
	check_case("lm_2");
	check_case("lm_3");
	check_faces_crops();
	check_clip_rules();
	check_post_hand();
	return unit_done();
}
