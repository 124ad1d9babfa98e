/*
 * Detector decoding + NMS against the face-api reference fixtures
 * (test/fixtures/pipeline/det_*: raw network outputs, candidates before NMS,
 * kept indices, final boxes), plus hand-made NMS tie and threshold cases.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nets/detect_decode.h"
#include "fixture_tsv.h"
#include "unit.h"

#define DIR "test/fixtures/pipeline/"
#define NETS_DIR "test/fixtures/nets/"		/* raw outputs, shared with test_nets */

static double
num(const char *s)
{
	return strtod(s, NULL);
}

static void
check_case(const char *id)
{
	char		path[256];
	char	   *text;
	tsv_line	lines[64];
	int			nl,
				W = 0,
				H = 0,
				N = 0,
				G,
				ncand_ref = 0,
				nkept_ref = 0,
				ndet_ref = 0;
	double		thr = 0.5;
	float	   *raw;
	of_detection *cand = NULL,
			   *dets = NULL;
	int			nc = 0,
				nd = 0,
				nk = 0;
	int			keep[64];
	of_error	err;
	double		maxd_c = 0,
				maxd_rel = 0,
				maxd_px = 0;
	int			cands_match = 1,
				kept_match = 1;

	snprintf(path, sizeof(path), DIR "%s.tsv", id);
	text = (char *) read_file(path, NULL);
	if (!ok(text != NULL, "%s: read %s", id, path))
		return;
	nl = tsv_parse(text, lines, 64);
	for (int i = 0; i < nl; i++)
		if (strcmp(lines[i].f[0], "image") == 0)
		{
			W = atoi(lines[i].f[1]);
			H = atoi(lines[i].f[2]);
			N = atoi(lines[i].f[3]);
			thr = num(lines[i].f[4]);
		}
	G = N / 32;
	snprintf(path, sizeof(path), NETS_DIR "%s_output.f32", id);
	raw = fixture_f32(path, (size_t) G * G * 25);
	if (!ok(raw != NULL && G > 0, "%s: read raw output", id))
	{
		free(text);
		return;
	}

	ok(of_detect_decode(raw, N, W, H, thr, &cand, &nc, &err) == OF_OK, "%s: decode", id);
	for (int i = 0; i < nl; i++)
	{
		tsv_line   *l = &lines[i];

		if (strcmp(l->f[0], "cand") == 0)
		{
			int			k = ncand_ref++;

			if (k >= nc)
			{
				cands_match = 0;
				continue;
			}
			if (cand[k].row != atoi(l->f[1]) || cand[k].col != atoi(l->f[2]) ||
				cand[k].anchor != atoi(l->f[3]))
				cands_match = 0;
			maxd_c = fmax(maxd_c, fabs(cand[k].score - num(l->f[4])));
			maxd_c = fmax(maxd_c, fabs(cand[k].left - num(l->f[5])));
			maxd_c = fmax(maxd_c, fabs(cand[k].top - num(l->f[6])));
			maxd_c = fmax(maxd_c, fabs((cand[k].right - cand[k].left) - num(l->f[7])));
			maxd_c = fmax(maxd_c, fabs((cand[k].bottom - cand[k].top) - num(l->f[8])));
		}
		else if (strcmp(l->f[0], "kept") == 0)
		{
			of_detect_nms(cand, nc, OF_DETECTOR_IOU, N, keep, &nk, &err);
			nkept_ref = l->n - 1;
			if (nk != nkept_ref)
				kept_match = 0;
			for (int j = 0; j < nkept_ref && j < nk; j++)
				if (keep[j] != atoi(l->f[j + 1]))
					kept_match = 0;
		}
	}
	ok(nc == ncand_ref && cands_match, "%s: %d candidates, same cells/anchors (%d expected)",
	   id, nc, ncand_ref);
	ok(maxd_c <= 1e-12, "%s: candidate score/box max diff %.3g <= 1e-12", id, maxd_c);
	ok(kept_match, "%s: NMS keeps the same indices in the same order (%d)", id, nk);

	ok(of_detect_boxes(raw, N, W, H, thr, &dets, &nd, &err) == OF_OK, "%s: decode + NMS", id);
	for (int i = 0; i < nl; i++)
	{
		tsv_line   *l = &lines[i];
		int			k;

		if (strcmp(l->f[0], "det") != 0)
			continue;
		k = ndet_ref++;
		if (k >= nd)
			continue;
		maxd_rel = fmax(maxd_rel, fabs(dets[k].score - num(l->f[1])));
		maxd_rel = fmax(maxd_rel, fabs(dets[k].rel_x - num(l->f[2])));
		maxd_rel = fmax(maxd_rel, fabs(dets[k].rel_y - num(l->f[3])));
		maxd_rel = fmax(maxd_rel, fabs(dets[k].rel_w - num(l->f[4])));
		maxd_rel = fmax(maxd_rel, fabs(dets[k].rel_h - num(l->f[5])));
		maxd_px = fmax(maxd_px, fabs(dets[k].x - num(l->f[6])));
		maxd_px = fmax(maxd_px, fabs(dets[k].y - num(l->f[7])));
		maxd_px = fmax(maxd_px, fabs(dets[k].w - num(l->f[8])));
		maxd_px = fmax(maxd_px, fabs(dets[k].h - num(l->f[9])));
	}
	ok(nd == ndet_ref, "%s: %d detections (%d expected)", id, nd, ndet_ref);
	ok(maxd_rel <= 1e-12, "%s: relative boxes and scores max diff %.3g <= 1e-12", id, maxd_rel);
	ok(maxd_px == 0, "%s: pixel boxes bit-identical (max diff %.3g)", id, maxd_px);

	free(cand);
	free(dets);
	free(raw);
	free(text);
}

static of_detection
box(double l, double t, double r, double b, double score)
{
	of_detection d;

	memset(&d, 0, sizeof(d));
	d.left = l;
	d.top = t;
	d.right = r;
	d.bottom = b;
	d.score = score;
	return d;
}

static void
check_nms_rules(void)
{
	of_detection c[4];
	int			keep[4],
				nk = -1;
	of_error	err;

	/* equal scores, identical boxes: the later one wins, the other is dropped */
	c[0] = box(0, 0, 10, 10, 0.7);
	c[1] = box(0, 0, 10, 10, 0.7);
	of_detect_nms(c, 2, 0.4, 1, keep, &nk, &err);
	ok(nk == 1 && keep[0] == 1, "nms: among equal scores the later index is picked");

	/* IoU exactly 0.4 is kept, 0.45 is dropped; pick order is by descending score */
	c[0] = box(0, 0, 10, 4, 0.6);	/* IoU with c[2] = 40/100 */
	c[1] = box(0, 0, 10, 4.5, 0.8);	/* IoU with c[2] = 45/100 */
	c[2] = box(0, 0, 10, 10, 0.9);
	c[3] = box(20, 20, 30, 30, 0.5);
	of_detect_nms(c, 4, 0.4, 1, keep, &nk, &err);
	ok(nk == 3 && keep[0] == 2 && keep[1] == 0 && keep[2] == 3,
	   "nms: IoU 0.4 kept, 0.45 dropped, order by score (got %d: %d %d %d)",
	   nk, keep[0], keep[1], keep[2]);

	ok(fabs(of_detection_iou(&c[0], &c[2], 416) - 0.4) < 1e-15, "iou is scale invariant");
}

static void
check_threshold_strict(void)
{
	/* one cell of a 32x32 input whose score is exactly sigmoid(0) = 0.5 */
	float		raw[25];
	of_detection *d = NULL;
	int			n = -1;
	of_error	err;

	memset(raw, 0, sizeof(raw));
	for (int a = 0; a < 5; a++)
		raw[a * 5 + 4] = -20;
	raw[4] = 0;
	of_detect_decode(raw, 32, 100, 50, 0.5, &d, &n, &err);
	ok(n == 0, "score threshold is strict (score 0.5 at threshold 0.5 dropped)");
	free(d);
	of_detect_decode(raw, 32, 100, 50, 0.49, &d, &n, &err);
	ok(n == 1 && d && fabs(d[0].left + d[0].right - 1.0) < 1e-12 &&
	   fabs((d[0].top + d[0].bottom) / 2 - 1.0) < 1e-12,
	   "landscape 100x50: centre x 0.5, centre y scaled by the padding factor 2");
	free(d);
	ok(of_detect_decode(raw, 33, 100, 50, 0.5, &d, &n, &err) == OF_EINVAL,
	   "input size not a multiple of 32 is rejected");
}

int
main(void)
{
	check_case("det_1");
	check_case("det_2");
	check_case("det_3");
	check_nms_rules();
	check_threshold_strict();
	return unit_done();
}
