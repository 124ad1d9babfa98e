#include "nets/detect_decode.h"

#include <math.h>
#include <stdlib.h>

static const double anchors[OF_DETECTOR_ANCHORS][2] = {
	{1.603231, 2.094468},
	{6.041143, 7.080126},
	{2.882459, 3.518061},
	{4.266906, 5.178857},
	{9.041765, 10.66308}
};

static double
sigmoid(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

/* JavaScript Math.round: ties go up; floor(x + 0.5) would misround 0.49999999999999994. */
static double
js_round(double x)
{
	double		f = floor(x);

	return (x - f >= 0.5) ? f + 1.0 : f;
}

void
of_detection_finish(of_detection *d, int img_w, int img_h)
{
	double		W = img_w,
				H = img_h;
	double		iw = 1.0 / W,
				ih = 1.0 / H;

	/*
	 * face-api goes relative → pixels (ObjectDetection) → relative → pixels
	 * (FaceDetection), and relativeBox multiplies by the reciprocal; each
	 * step can change the last bit, so do the same steps.
	 */
	double		px = d->left * W,
				py = d->top * H,
				pw = (d->right - d->left) * W,
				ph = (d->bottom - d->top) * H;

	px = (px * iw) * W;
	py = (py * ih) * H;
	pw = (pw * iw) * W;
	ph = (ph * ih) * H;
	d->x = px;
	d->y = py;
	d->w = pw;
	d->h = ph;
	d->rel_x = px * iw;
	d->rel_y = py * ih;
	d->rel_w = pw * iw;
	d->rel_h = ph * ih;
}

of_status
of_detect_decode(const float *raw, int input_size, int img_w, int img_h,
				 double min_score, of_detection **out, int *n, of_error *err)
{
	int			G,
				cap = 0,
				count = 0;
	double		scale,
				rw,
				rh,
				cfx,
				cfy;
	of_detection *res = NULL;

	*out = NULL;
	*n = 0;
	if (raw == NULL || input_size < 32 || input_size % 32 != 0 || img_w <= 0 || img_h <= 0)
		return of_fail(err, OF_EINVAL, "detector decode: bad input size %d or image %dx%d",
					   input_size, img_w, img_h);
	G = input_size / 32;
	scale = (double) input_size / (double) (img_w > img_h ? img_w : img_h);
	rw = js_round(img_w * scale);
	rh = js_round(img_h * scale);
	if (rw < 1)
		rw = 1;
	if (rh < 1)
		rh = 1;
	cfx = (rw > rh ? rw : rh) / rw;
	cfy = (rw > rh ? rw : rh) / rh;

	for (int row = 0; row < G; row++)
		for (int col = 0; col < G; col++)
			for (int a = 0; a < OF_DETECTOR_ANCHORS; a++)
			{
				const float *t = raw + ((size_t) (row * G + col) * OF_DETECTOR_ANCHORS + a) * 5;
				double		score = sigmoid(t[4]);
				double		cx,
							cy,
							w,
							h,
							x,
							y;
				of_detection *d;

				if (!(score > min_score))
					continue;
				if (count == cap)
				{
					int			ncap = cap ? cap * 2 : 16;
					of_detection *tmp = realloc(res, (size_t) ncap * sizeof(*res));

					if (tmp == NULL)
					{
						free(res);
						return of_fail(err, OF_ENOMEM, "detector decode: out of memory");
					}
					res = tmp;
					cap = ncap;
				}
				cx = (col + sigmoid(t[0])) / G * cfx;
				cy = (row + sigmoid(t[1])) / G * cfy;
				w = exp(t[2]) * anchors[a][0] / G * cfx;
				h = exp(t[3]) * anchors[a][1] / G * cfy;
				x = cx - w / 2;
				y = cy - h / 2;
				d = &res[count++];
				d->score = score;
				d->left = x;
				d->top = y;
				d->right = x + w;
				d->bottom = y + h;
				d->row = row;
				d->col = col;
				d->anchor = a;
				of_detection_finish(d, img_w, img_h);
			}
	*out = res;
	*n = count;
	return OF_OK;
}

double
of_detection_iou(const of_detection *a, const of_detection *b, double s)
{
	/* face-api's Box.rescale then ops/iou, including its right = x + width */
	double		ax = a->left * s,
				ay = a->top * s,
				aw = (a->right - a->left) * s,
				ah = (a->bottom - a->top) * s;
	double		bx = b->left * s,
				by = b->top * s,
				bw = (b->right - b->left) * s,
				bh = (b->bottom - b->top) * s;
	double		ar = ax + aw,
				ab = ay + ah,
				br = bx + bw,
				bb = by + bh;
	double		iw = fmax(0.0, fmin(ar, br) - fmax(ax, bx));
	double		ih = fmax(0.0, fmin(ab, bb) - fmax(ay, by));
	double		inter = iw * ih;

	return inter / (aw * ah + bw * bh - inter);
}

typedef struct
{
	double		score;
	int			index;
} order_item;

static int
cmp_pick_order(const void *pa, const void *pb)
{
	const order_item *a = pa,
			   *b = pb;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	/* face-api pops the last of a stable ascending sort: later index first */
	return b->index - a->index;
}

of_status
of_detect_nms(const of_detection *cand, int n, double iou, double box_scale,
			  int *keep, int *nkeep, of_error *err)
{
	order_item *ord;
	char	   *dropped;
	int			k = 0;

	*nkeep = 0;
	if (n <= 0)
		return OF_OK;
	ord = malloc((size_t) n * sizeof(*ord));
	dropped = calloc((size_t) n, 1);
	if (ord == NULL || dropped == NULL)
	{
		free(ord);
		free(dropped);
		return of_fail(err, OF_ENOMEM, "nms: out of memory");
	}
	for (int i = 0; i < n; i++)
	{
		ord[i].score = cand[i].score;
		ord[i].index = i;
	}
	qsort(ord, (size_t) n, sizeof(*ord), cmp_pick_order);
	for (int i = 0; i < n; i++)
	{
		const of_detection *cur;

		if (dropped[i])
			continue;
		cur = &cand[ord[i].index];
		keep[k++] = ord[i].index;
		for (int j = i + 1; j < n; j++)
			if (!dropped[j] && !(of_detection_iou(cur, &cand[ord[j].index], box_scale) <= iou))
				dropped[j] = 1;
	}
	free(ord);
	free(dropped);
	*nkeep = k;
	return OF_OK;
}

of_status
of_detect_boxes(const float *raw, int input_size, int img_w, int img_h,
				double min_score, of_detection **out, int *n, of_error *err)
{
	of_detection *cand;
	int			nc,
				nk;
	int		   *keep;
	of_status	st;

	*out = NULL;
	*n = 0;
	st = of_detect_decode(raw, input_size, img_w, img_h, min_score, &cand, &nc, err);
	if (st != OF_OK || nc == 0)
		return st;
	keep = malloc((size_t) nc * sizeof(int));
	if (keep == NULL)
	{
		free(cand);
		return of_fail(err, OF_ENOMEM, "detector decode: out of memory");
	}
	st = of_detect_nms(cand, nc, OF_DETECTOR_IOU, input_size, keep, &nk, err);
	if (st == OF_OK)
	{
		/* compact in pick order; keep[i] >= i is not guaranteed, so copy out */
		of_detection *res = malloc((size_t) nk * sizeof(*res));

		if (res == NULL)
			st = of_fail(err, OF_ENOMEM, "detector decode: out of memory");
		else
		{
			for (int i = 0; i < nk; i++)
				res[i] = cand[keep[i]];
			*out = res;
			*n = nk;
		}
	}
	free(keep);
	free(cand);
	return st;
}
