/*
 * of_preprocess against the reference network inputs, bit for bit, plus
 * small hand-checked cases for padding placement and argument checks.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/image.h"
#include "nets/preprocess.h"
#include "test_files.h"
#include "unit.h"

static int
decode_file(const char *name, of_image *img)
{
	char		path[128];
	size_t		len;
	unsigned char *data;
	of_error	err = {0};
	of_status	st;

	snprintf(path, sizeof(path), "test/fixtures/images/%s", name);
	data = read_file(path, &len);
	st = of_image_decode(data, len, NULL, img, &err);
	free(data);
	if (st != OF_OK)
		unit_diag("decode %s: %s", name, err.msg);
	return st == OF_OK;
}

static of_image
cut(const of_image *img, of_rect r)
{
	of_image	c = {r.w, r.h, malloc((size_t) r.w * r.h * 3)};

	for (int y = 0; y < r.h; y++)
		memcpy(c.rgb + (size_t) y * r.w * 3, img->rgb + ((size_t) (r.y + y) * img->width + r.x) * 3,
			   (size_t) r.w * 3);
	return c;
}

static void
test_reference_cases(void)
{
	FILE	   *f = fopen("test/fixtures/preprocess/cases.tsv", "r");
	char		line[512];
	char		cur[64] = "";
	of_image	img = {0, 0, NULL};
	int			ncases = 0;

	ok(f != NULL, "open test/fixtures/preprocess/cases.tsv");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f))
	{
		char		id[16],
					image[64],
					meanname[8],
					crop_sha[65],
					in_sha[65],
					infile[64],
					hex[65];
		of_rect		r;
		int			n,
					center;
		const float *mean;
		of_image	crop;
		float	   *a,
				   *b;
		size_t		cnt;
		of_error	err = {0};
		of_status	st1,
					st2;

		if (line[0] == '#' ||
			sscanf(line, "%15s %63s %d %d %d %d %d %d %7s %64s %64s %63s", id, image, &r.x, &r.y, &r.w,
				   &r.h, &n, &center, meanname, crop_sha, in_sha, infile) != 12)
			continue;
		ncases++;
		if (strcmp(cur, image) != 0)
		{
			of_image_free(&img);
			if (!decode_file(image, &img))
			{
				ok(0, "%s: decode %s", id, image);
				cur[0] = '\0';
				continue;
			}
			snprintf(cur, sizeof(cur), "%s", image);
		}
		mean = strcmp(meanname, "det") == 0 ? of_detector_mean : of_face_mean;
		cnt = (size_t) n * n * 3;

		/* the crop we cut is the reference's crop */
		crop = cut(&img, r);
		ok(sha256_hex(crop.rgb, (size_t) r.w * r.h * 3, hex) && strcmp(hex, crop_sha) == 0,
		   "%s: %dx%d crop of %s at (%d,%d) equals the reference crop", id, r.w, r.h, image, r.x, r.y);

		/* whole crop as the rectangle, and the rectangle inside the image */
		a = malloc(cnt * sizeof(float));
		b = malloc(cnt * sizeof(float));
		st1 = of_preprocess(&crop, (of_rect) {0, 0, r.w, r.h}, n, center, mean, a, &err);
		st2 = of_preprocess(&img, r, n, center, mean, b, &err);
		ok(st1 == OF_OK && st2 == OF_OK && memcmp(a, b, cnt * sizeof(float)) == 0,
		   "%s: rect in the image gives the same input as the cut crop", id);

		if (strcmp(infile, "-") != 0)
		{
			char		path[128];
			size_t		len;
			float	   *ref;
			size_t		diffs = 0;
			double		maxd = 0;

			/* the network inputs are stored once, with the networks' fixtures */
			snprintf(path, sizeof(path), "test/fixtures/nets/%s", infile);
			ref = (float *) read_file(path, &len);
			if (ref != NULL && len == cnt * sizeof(float))
				for (size_t i = 0; i < cnt; i++)
					if (memcmp(&ref[i], &a[i], sizeof(float)) != 0)
					{
						diffs++;
						if (fabs((double) ref[i] - a[i]) > maxd)
							maxd = fabs((double) ref[i] - a[i]);
					}
			ok(ref != NULL && len == cnt * sizeof(float) && diffs == 0,
			   "%s: %dx%dx3 input equals %s bit for bit (%zu differ, max |d| %g)", id, n, n, infile,
			   diffs, maxd);
			free(ref);
		}
		ok(sha256_hex(a, cnt * sizeof(float), hex) && strcmp(hex, in_sha) == 0,
		   "%s: sha256 of the %dx%dx3 input equals the reference (%.16s…)", id, n, n, in_sha);
		free(a);
		free(b);
		of_image_free(&crop);
	}
	fclose(f);
	of_image_free(&img);
	ok(ncases == 9, "nine reference cases checked");
}

/* value the reference puts in the network for pixel value v */
static float
norm(double v, float mean)
{
	float		fv = (float) v;
	float		c = fv - mean;

	return c / 255.0f;
}

static void
test_hand_cases(void)
{
	static const float zero[3] = {0, 0, 0};
	of_error	err = {0};
	float		out[4 * 4 * 3];

	/* 3 wide, 2 high, grey; n=2: S=3, one pad row at the bottom, ratio 1.5 */
	{
		unsigned char px[] = {0, 0, 0, 100, 100, 100, 200, 200, 200,
		50, 50, 50, 150, 150, 150, 250, 250, 250};
		of_image	img = {3, 2, px};
		const double want[4] = {0, 150, 25, 100};
		int			good = 1;

		for (int center = 0; center <= 1; center++)
		{
			of_status	st = of_preprocess(&img, (of_rect) {0, 0, 3, 2}, 2, center, zero, out, &err);

			good = st == OF_OK;
			for (int i = 0; good && i < 4; i++)
				for (int ch = 0; ch < 3; ch++)
					good &= out[i * 3 + ch] == norm(want[i], 0);
			ok(good, "3x2 → 2x2 (center=%d): 0,150 / 25,100 (bilinear with a zero pad row)", center);
		}
	}

	/* placement of the padding, no resize (S == n) */
	{
		unsigned char px[4 * 4 * 3];
		of_image	img = {4, 4, px};
		static const struct
		{
			int			w,
						center;
			const char *cols;	/* per column: '.' pad, digit = image column */
		}			cases[] = {
			{2, 0, "01.."},
			{2, 1, ".01."},
			{1, 1, ".0.."},		/* diff 3: 1 before, 2 after */
			{3, 1, "012."},		/* diff 1: the pad goes after */
			{1, 0, "0..."},
		};

		for (int i = 0; i < 4 * 4 * 3; i++)
			px[i] = (unsigned char) (10 + i);
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		{
			int			good;
			of_rect		r = {1, 0, cases[k].w, 4};

			good = of_preprocess(&img, r, 4, cases[k].center, of_face_mean, out, &err) == OF_OK;
			for (int y = 0; good && y < 4; y++)
				for (int x = 0; x < 4; x++)
					for (int ch = 0; ch < 3; ch++)
					{
						char		c = cases[k].cols[x];
						double		v = c == '.' ? 0 : px[(y * 4 + r.x + (c - '0')) * 3 + ch];

						good &= out[(y * 4 + x) * 3 + ch] == norm(v, of_face_mean[ch]);
					}
			ok(good, "%dx4 rect, center=%d: columns %s", cases[k].w, cases[k].center, cases[k].cols);
		}
		/* landscape: rows padded instead */
		{
			int			good;

			good = of_preprocess(&img, (of_rect) {0, 1, 4, 1}, 4, 1, zero, out, &err) == OF_OK;
			for (int y = 0; good && y < 4; y++)
				for (int i = 0; i < 12; i++)
					good &= out[y * 12 + i] == (y == 1 ? norm(px[12 + i], 0) : 0.0f);
			ok(good, "4x1 rect, center=1: rows pad, image, pad, pad");
		}
	}

	/* argument checks */
	{
		unsigned char px[12] = {0};
		of_image	img = {2, 2, px};

		ok(of_preprocess(&img, (of_rect) {1, 0, 2, 2}, 4, 0, zero, out, &err) == OF_EINVAL,
		   "rect past the right edge is EINVAL (%s)", err.msg);
		ok(of_preprocess(&img, (of_rect) {0, -1, 1, 1}, 4, 0, zero, out, &err) == OF_EINVAL,
		   "negative y is EINVAL");
		ok(of_preprocess(&img, (of_rect) {0, 0, 0, 2}, 4, 0, zero, out, &err) == OF_EINVAL,
		   "zero width is EINVAL");
		ok(of_preprocess(&img, (of_rect) {0, 0, 2, 2}, 0, 0, zero, out, &err) == OF_EINVAL,
		   "n = 0 is EINVAL");
		ok(of_preprocess(&img, (of_rect) {0, 0, 2, 2}, 4, 0, zero, NULL, &err) == OF_EINVAL,
		   "NULL output is EINVAL");
	}

	ok(of_detector_mean[0] == 117.001f && of_detector_mean[1] == 114.697f && of_detector_mean[2] == 97.404f &&
	   of_face_mean[0] == 122.782f && of_face_mean[1] == 117.001f && of_face_mean[2] == 104.298f,
	   "mean constants");
}

static int
always_cancel(void)
{
	return 1;
}

static void
test_cancel(void)
{
	unsigned char px[8 * 8 * 3] = {0};
	of_image	img = {8, 8, px};
	float		out[16 * 16 * 3];
	of_error	err = {0};

	of_set_cancel_hook(always_cancel);
	ok(of_preprocess(&img, (of_rect) {0, 0, 8, 8}, 16, 0, of_face_mean, out, &err) == OF_ECANCELED,
	   "of_preprocess honours of_cancelled");
	of_set_cancel_hook(NULL);
}

static void
report_speed(void)
{
	of_image	img;
	float	   *out = malloc(416 * 416 * 3 * sizeof(float));
	struct timespec t0,
				t1;
	of_error	err = {0};

	if (!decode_file("sample1.jpg", &img))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 10; i++)
		of_preprocess(&img, (of_rect) {0, 0, img.width, img.height}, 416, 0, of_detector_mean, out, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unit_diag("1920x1280 → 416x416 preprocessing: %.2f ms",
			  ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / 10);
	free(out);
	of_image_free(&img);
}

int
main(void)
{
	test_reference_cases();
	test_hand_cases();
	test_cancel();
	report_speed();
	return unit_done();
}
