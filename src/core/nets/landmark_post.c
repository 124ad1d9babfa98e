#include "nets/landmark_post.h"

#include <math.h>

of_rect
of_clip_rect(double x, double y, double w, double h, int img_w, int img_h)
{
	double		x0 = fmax(x, 0.0),
				y0 = fmax(y, 0.0);
	double		cw = fmin((x + w) - x0, img_w - x0);
	double		ch = fmin((y + h) - y0, img_h - y0);
	of_rect		r;

	r.x = (int) floor(x0);
	r.y = (int) floor(y0);
	r.w = (int) floor(cw);
	r.h = (int) floor(ch);
	return r;
}

of_rect
of_landmark_crop(double x, double y, double w, double h, int img_w, int img_h)
{
	double		iw = 1.0 / img_w,
				ih = 1.0 / img_h;

	return of_clip_rect((x * iw) * img_w, (y * ih) * img_h,
						(w * iw) * img_w, (h * ih) * img_h, img_w, img_h);
}

void
of_landmarks_relative(const float *raw, int crop_w, int crop_h, float *rel)
{
	double		s = 112.0 / (crop_w > crop_h ? crop_w : crop_h);
	double		w = crop_w * s,
				h = crop_h * s;
	float		padx = (float) (w < h ? fabs(w - h) / 2 : 0.0);
	float		pady = (float) (h < w ? fabs(w - h) / 2 : 0.0);
	float		fw = (float) w,
				fh = (float) h;

	/* one float32 rounding per tensor op, as tfjs does: mul, sub, div */
	for (int i = 0; i < OF_LANDMARK_POINTS; i++)
	{
		float		vx = raw[2 * i] * 112.0f;
		float		vy = raw[2 * i + 1] * 112.0f;

		vx = vx - padx;
		vy = vy - pady;
		rel[2 * i] = vx / fw;
		rel[2 * i + 1] = vy / fh;
	}
}

void
of_landmarks_to_image(const float *rel, int crop_w, int crop_h,
					  double box_x, double box_y, double *pts)
{
	/*
	 * FaceLandmarks stores rel*dims, shiftBy divides back and multiplies
	 * again before adding the shift; keep the same steps for the last bit.
	 */
	for (int i = 0; i < OF_LANDMARK_POINTS; i++)
	{
		double		px = ((double) rel[2 * i] * crop_w) / crop_w;
		double		py = ((double) rel[2 * i + 1] * crop_h) / crop_h;

		pts[2 * i] = px * crop_w + box_x;
		pts[2 * i + 1] = py * crop_h + box_y;
	}
}
