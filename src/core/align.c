#include "align.h"

#include <math.h>
#include <stdlib.h>

#include "nets/landmark_post.h"

/*
 * Mean face (iBUG-300W order) in units of the chip side, made by
 * tools/align_template.py: generalised Procrustes mean of the landmarks of
 * 3,440 faces (the labelled face of every LFW view-1 pairs_train image, found
 * by this pipeline), mirror-symmetrised, eyes level, placed so that
 * face-api's own crop formula applied to it gives exactly the unit square
 * (eye/mouth centroid at (0.5, 0.43), eye-to-mouth distance 0.45).  It beat
 * the mean of the reference run's 40 faces on the train pairs (99.36% vs
 * 99.23%).
 */
static const double face_template[OF_LANDMARK_POINTS][2] = {
	{0.059149, 0.303812}, {0.065948, 0.420371},
	{0.083489, 0.529435}, {0.104839, 0.629222},
	{0.144984, 0.739407}, {0.205960, 0.826959},
	{0.277565, 0.885979}, {0.365783, 0.945494},
	{0.500000, 0.981544}, {0.634217, 0.945494},
	{0.722435, 0.885979}, {0.794040, 0.826959},
	{0.855016, 0.739407}, {0.895161, 0.629222},
	{0.916511, 0.529435}, {0.934052, 0.420371},
	{0.940851, 0.303812}, {0.161961, 0.202229},
	{0.211836, 0.168986}, {0.280126, 0.156587},
	{0.340258, 0.162205}, {0.394894, 0.180667},
	{0.605106, 0.180667}, {0.659742, 0.162205},
	{0.719874, 0.156587}, {0.788164, 0.168986},
	{0.838039, 0.202229}, {0.500000, 0.299991},
	{0.500000, 0.375743}, {0.500000, 0.446405},
	{0.500000, 0.512360}, {0.427720, 0.554524},
	{0.460147, 0.563975}, {0.500000, 0.573765},
	{0.539853, 0.563975}, {0.572280, 0.554524},
	{0.249270, 0.291055}, {0.286561, 0.273142},
	{0.341908, 0.271387}, {0.389318, 0.297405},
	{0.346227, 0.312398}, {0.289764, 0.312238},
	{0.610682, 0.297405}, {0.658092, 0.271387},
	{0.713439, 0.273142}, {0.750730, 0.291055},
	{0.710236, 0.312238}, {0.653773, 0.312398},
	{0.340714, 0.695890}, {0.396011, 0.666455},
	{0.464646, 0.644800}, {0.500000, 0.652576},
	{0.535354, 0.644800}, {0.603989, 0.666455},
	{0.659286, 0.695890}, {0.600989, 0.746017},
	{0.551235, 0.770138}, {0.500000, 0.777171},
	{0.448765, 0.770138}, {0.399011, 0.746017},
	{0.353136, 0.695447}, {0.451584, 0.684405},
	{0.500000, 0.683844}, {0.548416, 0.684405},
	{0.646864, 0.695447}, {0.546956, 0.719643},
	{0.500000, 0.723317}, {0.453044, 0.719643},
};

/*
 * Points that follow the skull rather than the expression or the head's yaw:
 * nose, eyes and the outer mouth contour.  The jaw line slides with pose and
 * the brows and inner lips move with expression.
 */
#define FIT_FIRST 27
#define FIT_LAST 59

/* centroid of pts[lo..hi), summed from zero in order like face-api's getCenterPoint */
static void
centroid(const double *pts, int lo, int hi, double *cx, double *cy)
{
	double		sx = 0,
				sy = 0;

	for (int i = lo; i < hi; i++)
	{
		sx += pts[2 * i];
		sy += pts[2 * i + 1];
	}
	*cx = sx / (hi - lo);
	*cy = sy / (hi - lo);
}

of_rect
of_faceapi_align_rect(const double *pts, int lm_crop_w, int lm_crop_h)
{
	double		lex,
				ley,
				rex,
				rey,
				mox,
				moy;
	double		d,
				size,
				refx,
				refy;
	of_rect		r;

	centroid(pts, 36, 42, &lex, &ley);
	centroid(pts, 42, 48, &rex, &rey);
	centroid(pts, 48, 68, &mox, &moy);
	d = (sqrt((mox - lex) * (mox - lex) + (moy - ley) * (moy - ley)) +
		 sqrt((mox - rex) * (mox - rex) + (moy - rey) * (moy - rey))) / 2;
	size = floor(d / 0.45);
	refx = (((0 + lex) + rex) + mox) / 3;
	refy = (((0 + ley) + rey) + moy) / 3;
	r.x = (int) floor(fmax(0, refx - 0.5 * size));
	r.y = (int) floor(fmax(0, refy - 0.43 * size));
	r.w = (int) fmin(size, (double) lm_crop_w + r.x);
	r.h = (int) fmin(size, (double) lm_crop_h + r.y);
	return r;
}

of_rect
of_faceapi_descriptor_crop(const double *pts, int lm_crop_w, int lm_crop_h,
						   int img_w, int img_h)
{
	of_rect		r = of_faceapi_align_rect(pts, lm_crop_w, lm_crop_h);

	return of_clip_rect(r.x, r.y, r.w, r.h, img_w, img_h);
}

void
of_align_template(int size, double *pts)
{
	for (int i = 0; i < OF_LANDMARK_POINTS; i++)
	{
		pts[2 * i] = face_template[i][0] * size;
		pts[2 * i + 1] = face_template[i][1] * size;
	}
}

of_status
of_similarity_fit(const double *pts, int size, of_similarity *out, of_error *err)
{
	double		qx = 0,
				qy = 0,
				px = 0,
				py = 0;
	double		sqq = 0,
				sp = 0;
	double		lex,
				ley,
				rex,
				rey,
				ang,
				c,
				s;
	int			n = FIT_LAST - FIT_FIRST + 1;

	/*
	 * The rotation levels the eye centres exactly (the template's eyes are
	 * level); scale and translation are then the least-squares fit of the
	 * stable points, which keeps face-api's scale convention on average.
	 */
	centroid(pts, 36, 42, &lex, &ley);
	centroid(pts, 42, 48, &rex, &rey);
	ang = atan2(rey - ley, rex - lex);
	c = cos(ang);
	s = sin(ang);
	for (int i = FIT_FIRST; i <= FIT_LAST; i++)
	{
		qx += face_template[i][0] * size;
		qy += face_template[i][1] * size;
		px += pts[2 * i];
		py += pts[2 * i + 1];
	}
	qx /= n;
	qy /= n;
	px /= n;
	py /= n;
	for (int i = FIT_FIRST; i <= FIT_LAST; i++)
	{
		double		ux = face_template[i][0] * size - qx,
					uy = face_template[i][1] * size - qy;
		double		vx = pts[2 * i] - px,
					vy = pts[2 * i + 1] - py;

		sqq += ux * ux + uy * uy;
		sp += (c * ux - s * uy) * vx + (s * ux + c * uy) * vy;
	}
	out->a = sp / sqq * c;
	out->b = sp / sqq * s;
	if (!isfinite(out->a) || !isfinite(out->b) || sp <= 0 ||
		out->a * out->a + out->b * out->b < 1e-12 || !isfinite(px) || !isfinite(py))
		return of_fail(err, OF_EINVAL, "alignment: degenerate landmarks");
	out->tx = px - (out->a * qx - out->b * qy);
	out->ty = py - (out->b * qx + out->a * qy);
	return OF_OK;
}

/*
 * dlib's mean face (get_face_chip_details in dlib's interpolation.h): where
 * landmarks 17..67 sit in a unit square, the geometry its face recognition
 * network was trained on.  Numbers from dlib's source, in its order.
 */
#define DLIB_FIRST_POINT 17
static const double dlib_mean_face[OF_LANDMARK_POINTS - DLIB_FIRST_POINT][2] = {
	{0.000213256, 0.106454}, {0.0752622, 0.038915}, {0.18113, 0.0187482},
	{0.29077, 0.0344891}, {0.393397, 0.0773906}, {0.586856, 0.0773906},
	{0.689483, 0.0344891}, {0.799124, 0.0187482}, {0.904991, 0.038915},
	{0.98004, 0.106454}, {0.490127, 0.203352}, {0.490127, 0.307009},
	{0.490127, 0.409805}, {0.490127, 0.515625}, {0.36688, 0.587326},
	{0.426036, 0.609345}, {0.490127, 0.628106}, {0.554217, 0.609345},
	{0.613373, 0.587326}, {0.121737, 0.216423}, {0.187122, 0.178758},
	{0.265825, 0.179852}, {0.334606, 0.231733}, {0.260918, 0.245099},
	{0.182743, 0.244077}, {0.645647, 0.231733}, {0.714428, 0.179852},
	{0.793132, 0.178758}, {0.858516, 0.216423}, {0.79751, 0.244077},
	{0.719335, 0.245099}, {0.254149, 0.780233}, {0.340985, 0.745405},
	{0.428858, 0.727388}, {0.490127, 0.742578}, {0.551395, 0.727388},
	{0.639268, 0.745405}, {0.726104, 0.780233}, {0.642159, 0.864805},
	{0.556721, 0.902192}, {0.490127, 0.909281}, {0.423532, 0.902192},
	{0.338094, 0.864805}, {0.290379, 0.784792}, {0.428096, 0.778746},
	{0.490127, 0.785343}, {0.552157, 0.778746}, {0.689874, 0.784792},
	{0.553364, 0.824182}, {0.490127, 0.831803}, {0.42689, 0.824182},
};

/* dlib fits on nose, eyes, upper outer lip and inner lip corners: not brows, not lower lip */
static int
dlib_fit_point(int i)
{
	return i >= 27 && !(i >= 55 && i <= 59) && !(i >= 65 && i <= 67);
}

void
of_dlib_template(int size, double padding, double *pts)
{
	for (int i = 0; i < OF_LANDMARK_POINTS; i++)
	{
		const double *p = i >= DLIB_FIRST_POINT ? dlib_mean_face[i - DLIB_FIRST_POINT] : NULL;

		/* the jaw has no mean position in dlib's table: NaN marks it unused */
		pts[2 * i] = p ? (padding + p[0]) / (2 * padding + 1) * size : NAN;
		pts[2 * i + 1] = p ? (padding + p[1]) / (2 * padding + 1) * size : NAN;
	}
}

of_status
of_similarity_fit_dlib(const double *pts, int size, double padding, of_similarity *out,
					   of_error *err)
{
	double		tpl[2 * OF_LANDMARK_POINTS];
	double		qx = 0,
				qy = 0,
				px = 0,
				py = 0,
				sqq = 0,
				sa = 0,
				sb = 0,
				stretch,
				cx,
				cy,
				h;
	int			n = 0;

	of_dlib_template(size, padding, tpl);
	for (int i = 0; i < OF_LANDMARK_POINTS; i++)
		if (dlib_fit_point(i))
		{
			qx += tpl[2 * i];
			qy += tpl[2 * i + 1];
			px += pts[2 * i];
			py += pts[2 * i + 1];
			n++;
		}
	qx /= n;
	qy /= n;
	px /= n;
	py /= n;

	/* least-squares similarity (no reflection) from chip points to image points */
	for (int i = 0; i < OF_LANDMARK_POINTS; i++)
		if (dlib_fit_point(i))
		{
			double		ux = tpl[2 * i] - qx,
						uy = tpl[2 * i + 1] - qy,
						vx = pts[2 * i] - px,
						vy = pts[2 * i + 1] - py;

			sqq += ux * ux + uy * uy;
			sa += ux * vx + uy * vy;
			sb += ux * vy - uy * vx;
		}
	out->a = sa / sqq;
	out->b = sb / sqq;
	if (!isfinite(out->a) || !isfinite(out->b) || !isfinite(px) || !isfinite(py) ||
		out->a * out->a + out->b * out->b < 1e-12)
		return of_fail(err, OF_EINVAL, "alignment: degenerate landmarks");

	/*
	 * dlib cuts the chip from the rectangle of side size x scale centred on
	 * the transform's image of the chip centre, its corner pixels 0 and size-1
	 * on the rectangle's corners: the fitted map stretched by size/(size-1)
	 * about the chip's middle.
	 */
	cx = px + out->a * (size / 2.0 - qx) - out->b * (size / 2.0 - qy);
	cy = py + out->b * (size / 2.0 - qx) + out->a * (size / 2.0 - qy);
	stretch = (double) size / (size - 1);
	out->a *= stretch;
	out->b *= stretch;
	h = (size - 1) / 2.0;
	out->tx = cx - (out->a * h - out->b * h);
	out->ty = cy - (out->b * h + out->a * h);
	return OF_OK;
}

void
of_similarity_compose(const of_similarity *outer, const of_similarity *inner,
					  of_similarity *out)
{
	of_similarity r;

	r.a = outer->a * inner->a - outer->b * inner->b;
	r.b = outer->b * inner->a + outer->a * inner->b;
	r.tx = outer->a * inner->tx - outer->b * inner->ty + outer->tx;
	r.ty = outer->b * inner->tx + outer->a * inner->ty + outer->ty;
	*out = r;
}

/*
 * Bilinear sample of channel values at (x, y); pixels outside the image count
 * as 0, like the zero padding around face-api's crops.
 */
static void
sample(const of_image *img, double x, double y, double *rgb)
{
	double		x0f = floor(x),
				y0f = floor(y);
	double		fx = x - x0f,
				fy = y - y0f;
	double		wgt[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
	int			x0,
				y0;

	rgb[0] = rgb[1] = rgb[2] = 0;
	if (!(x0f > -2 && y0f > -2 && x0f < img->width + 1 && y0f < img->height + 1))
		return;
	x0 = (int) x0f;
	y0 = (int) y0f;
	for (int k = 0; k < 4; k++)
	{
		int			xi = x0 + (k & 1),
					yi = y0 + (k >> 1);
		const unsigned char *p;

		if (xi < 0 || yi < 0 || xi >= img->width || yi >= img->height)
			continue;
		p = img->rgb + ((size_t) yi * img->width + xi) * 3;
		rgb[0] += wgt[k] * p[0];
		rgb[1] += wgt[k] * p[1];
		rgb[2] += wgt[k] * p[2];
	}
}

/*
 * Value of chip pixel (u, v).  When the chip shrinks the face, average k x k
 * bilinear samples spread over the pixel's footprint so that a large face is
 * not point-sampled (aliasing), as dlib filters before extracting its chips.
 */
static void
chip_pixel(const of_image *img, const of_similarity *t, int k, int u, int v, double *rgb)
{
	double		acc[3] = {0, 0, 0};

	for (int j = 0; j < k; j++)
		for (int i = 0; i < k; i++)
		{
			double		cu = u + (i + 0.5) / k - 0.5,
						cv = v + (j + 0.5) / k - 0.5;
			double		s[3];

			sample(img, t->a * cu - t->b * cv + t->tx, t->b * cu + t->a * cv + t->ty, s);
			acc[0] += s[0];
			acc[1] += s[1];
			acc[2] += s[2];
		}
	rgb[0] = acc[0] / (k * k);
	rgb[1] = acc[1] / (k * k);
	rgb[2] = acc[2] / (k * k);
}

static int
supersampling(const of_similarity *t)
{
	double		s = sqrt(t->a * t->a + t->b * t->b);
	int			k = (int) ceil(s - 1e-9);

	return k < 1 ? 1 : (k > 4 ? 4 : k);
}

of_rect
of_similarity_footprint(const of_similarity *t, int size)
{
	/* sample positions stay within the chip's pixel squares: corners at -0.5, size - 0.5 */
	double		lo_x = INFINITY,
				lo_y = INFINITY,
				hi_x = -INFINITY,
				hi_y = -INFINITY;
	of_rect		r;

	for (int k = 0; k < 4; k++)
	{
		double		u = (k & 1) ? size - 0.5 : -0.5,
					v = (k & 2) ? size - 0.5 : -0.5;
		double		x = t->a * u - t->b * v + t->tx,
					y = t->b * u + t->a * v + t->ty;

		lo_x = fmin(lo_x, x);
		lo_y = fmin(lo_y, y);
		hi_x = fmax(hi_x, x);
		hi_y = fmax(hi_y, y);
	}
	/* the bilinear taps floor(p) and floor(p) + 1 */
	r.x = (int) floor(lo_x);
	r.y = (int) floor(lo_y);
	r.w = (int) floor(hi_x) + 2 - r.x;
	r.h = (int) floor(hi_y) + 2 - r.y;
	return r;
}

void
of_similarity_warp_input(const of_image *img, const of_similarity *t, int size,
						 const float mean[3], float *out)
{
	int			k = supersampling(t);

	for (int v = 0; v < size; v++)
		for (int u = 0; u < size; u++)
		{
			double		rgb[3];
			float	   *o = out + ((size_t) v * size + u) * 3;

			chip_pixel(img, t, k, u, v, rgb);
			for (int c = 0; c < 3; c++)
			{
				float		x = (float) rgb[c] - mean[c];

				o[c] = x / 255.0f;
			}
		}
}

of_status
of_similarity_warp_rgb(const of_image *img, const of_similarity *t, int size,
					   of_image *out, of_error *err)
{
	int			k = supersampling(t);

	out->width = out->height = 0;
	out->rgb = malloc((size_t) size * size * 3);
	if (out->rgb == NULL)
		return of_fail(err, OF_ENOMEM, "alignment: out of memory for a %dx%d chip", size, size);
	out->width = size;
	out->height = size;
	for (int v = 0; v < size; v++)
		for (int u = 0; u < size; u++)
		{
			double		rgb[3];
			unsigned char *o = out->rgb + ((size_t) v * size + u) * 3;

			chip_pixel(img, t, k, u, v, rgb);
			for (int c = 0; c < 3; c++)
			{
				double		x = floor(rgb[c] + 0.5);

				o[c] = (unsigned char) (x < 0 ? 0 : (x > 255 ? 255 : x));
			}
		}
	return OF_OK;
}
