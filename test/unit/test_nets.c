/*
 * The three networks against the reference fixtures committed in
 * test/fixtures/nets (docs/networks.md §10.2), with the tolerances of
 * docs/networks.md §10.1: detector raw output <= 1e-3 absolute,
 * landmarks raw <= 1e-5, descriptor euclidean distance <= 1e-4.
 *
 * Models: the TF.js files in $OPENFACE_MODEL_DIR/tfjs (default
 * models/tfjs) are converted into a temporary file with
 * of_models_convert() and that file is opened with of_models_open(), so
 * this also tests the converter.  Then damaged copies of the file must be
 * refused with an error, from a file and from memory.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "nets/nets.h"
#include "unit.h"

#define FIX "test/fixtures/nets/"

static float *
load_f32(const char *name, size_t n)
{
	char		path[256];
	FILE	   *f;
	float	   *buf = malloc(n * sizeof(float));
	size_t		got;

	snprintf(path, sizeof(path), FIX "%s", name);
	f = fopen(path, "rb");
	if (!f || !buf)
	{
		unit_diag("cannot read %s", path);
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	got = fread(buf, sizeof(float), n + 1, f);
	fclose(f);
	if (got != n)
	{
		unit_diag("%s: %zu floats, expected %zu", path, got, n);
		free(buf);
		return NULL;
	}
	return buf;
}

static double
max_abs_diff(const float *a, const float *b, size_t n)
{
	double		m = 0;

	for (size_t i = 0; i < n; i++)
	{
		double		d = fabs((double) a[i] - b[i]);

		if (!(d <= m))
			m = d;				/* NaN propagates as a failure */
	}
	return m;
}

static void
test_detector(const of_models *m, const char *id, int size)
{
	char		in_name[64],
				out_name[64];
	size_t		g = (size_t) size / 32,
				n = g * g * 25;
	float	   *in,
			   *want,
			   *got = malloc(n * sizeof(float));
	of_error	err = {0};
	of_status	st;

	snprintf(in_name, sizeof(in_name), "%s_input.f32", id);
	snprintf(out_name, sizeof(out_name), "%s_output.f32", id);
	in = load_f32(in_name, (size_t) size * size * 3);
	want = load_f32(out_name, n);
	if (!in || !want || !got)
		ok(0, "detector %s: fixtures readable", id);
	else
	{
		double		d;

		st = of_detector_forward(m, in, size, got, &err);
		ok(st == OF_OK, "detector %s (%d): forward ok %s", id, size, err.msg);
		d = max_abs_diff(got, want, n);
		unit_diag("detector %s max abs diff %.3g", id, d);
		ok(d <= 1e-3, "detector %s: raw output within 1e-3 of the reference", id);
	}
	free(in);
	free(want);
	free(got);
}

static void
test_landmarks(const of_models *m, int k)
{
	char		in_name[64],
				out_name[64];
	float	   *in,
			   *want,
				got[136];
	of_error	err = {0};

	snprintf(in_name, sizeof(in_name), "lm_%d_input.f32", k);
	snprintf(out_name, sizeof(out_name), "lm_%d_output_raw.f32", k);
	in = load_f32(in_name, 112 * 112 * 3);
	want = load_f32(out_name, 136);
	if (!in || !want)
		ok(0, "landmarks lm_%d: fixtures readable", k);
	else
	{
		double		d;

		ok(of_landmarks_forward(m, in, got, &err) == OF_OK, "landmarks lm_%d: forward ok %s", k, err.msg);
		d = max_abs_diff(got, want, 136);
		unit_diag("landmarks lm_%d max abs diff %.3g", k, d);
		ok(d <= 1e-5, "landmarks lm_%d: raw output within 1e-5 of the reference", k);
	}
	free(in);
	free(want);
}

static void
test_recognizer(const of_models *m, int k)
{
	char		in_name[64],
				out_name[64];
	float	   *in,
			   *want,
				got[128],
				again[128];
	of_error	err = {0};

	snprintf(in_name, sizeof(in_name), "rec_%d_input.f32", k);
	snprintf(out_name, sizeof(out_name), "rec_%d_output.f32", k);
	in = load_f32(in_name, 150 * 150 * 3);
	want = load_f32(out_name, 128);
	if (!in || !want)
		ok(0, "recognizer rec_%d: fixtures readable", k);
	else
	{
		double		dist = 0;

		ok(of_recognizer_forward(m, in, got, &err) == OF_OK, "recognizer rec_%d: forward ok %s", k, err.msg);
		for (int i = 0; i < 128; i++)
			dist += ((double) got[i] - want[i]) * ((double) got[i] - want[i]);
		dist = sqrt(dist);
		unit_diag("recognizer rec_%d euclidean distance %.3g, max abs diff %.3g", k, dist,
				  max_abs_diff(got, want, 128));
		ok(dist <= 1e-4, "recognizer rec_%d: descriptor within 1e-4 (euclidean) of the reference", k);
		ok(of_recognizer_forward(m, in, again, &err) == OF_OK &&
		   memcmp(got, again, sizeof(got)) == 0, "recognizer rec_%d: a second run is identical", k);
	}
	free(in);
	free(want);
}

static int
always_cancel(void)
{
	return 1;
}

static void
test_cancel_and_args(const of_models *m)
{
	float	   *in = calloc(416 * 416 * 3, sizeof(float));
	float		out[13 * 13 * 25];
	of_error	err = {0};

	ok(in != NULL, "calloc");
	if (!in)
		return;
	ok(of_detector_forward(m, in, 100, out, &err) == OF_EINVAL, "detector refuses size 100: %s", err.msg);
	ok(of_detector_forward(m, in, 0, out, &err) == OF_EINVAL, "detector refuses size 0");
	of_set_cancel_hook(always_cancel);
	ok(of_detector_forward(m, in, 416, out, &err) == OF_ECANCELED, "detector stops when canceled");
	ok(of_landmarks_forward(m, in, out, &err) == OF_ECANCELED, "landmarks stop when canceled");
	ok(of_recognizer_forward(m, in, out, &err) == OF_ECANCELED, "recognizer stops when canceled");
	of_set_cancel_hook(NULL);
	free(in);
}

/* Write the first len bytes of data (with byte flip_at xored, if >= 0) and try to open it. */
static of_status
open_damaged(const unsigned char *data, size_t len, long flip_at, const char *path, of_error *err)
{
	FILE	   *f = fopen(path, "wb");
	of_models  *m = NULL;
	of_status	st;

	if (!f)
		return OF_OK;			/* makes the calling test fail */
	if (len > 0)
	{
		fwrite(data, 1, len, f);
		if (flip_at >= 0)
		{
			fseek(f, flip_at, SEEK_SET);
			fputc(data[flip_at] ^ 0x10, f);
		}
	}
	fclose(f);
	st = of_models_open(path, &m, err);
	if (m)
		of_models_close(m);
	remove(path);
	return st;
}

/* of_models_open_memory runs the same checks on a copy of the file in memory. */
static void
test_memory(const unsigned char *data, size_t len)
{
	unsigned char *buf;
	of_models  *m = NULL;
	of_error	err = {0};
	of_status	st;

	/* one spare block, so that a copy one byte in is still inside */
	if (posix_memalign((void **) &buf, 64, len + 64) != 0)
	{
		ok(0, "aligned buffer");
		return;
	}
	memcpy(buf, data, len);
	st = of_models_open_memory(buf, len, &m, &err);
	ok(st == OF_OK && m != NULL, "in memory: an intact copy opens (%s)", st ? err.msg : "ok");
	of_models_close(m);
	m = NULL;
	ok(of_models_open_memory(buf, len - 64, &m, &err) == OF_ECORRUPT && m == NULL,
	   "in memory: truncated by 64 bytes: refused (%s)", err.msg);
	buf[100] ^= 0x10;
	ok(of_models_open_memory(buf, len, &m, &err) == OF_ECORRUPT && m == NULL,
	   "in memory: one flipped bit: refused (%s)", err.msg);
	memcpy(buf + 1, data, len);
	ok(of_models_open_memory(buf + 1, len, &m, &err) == OF_EINVAL && m == NULL,
	   "in memory: a misaligned copy: refused (%s)", err.msg);
	free(buf);
}

static void
test_damaged(const char *good)
{
	FILE	   *f = fopen(good, "rb");
	unsigned char *data;
	long		len;
	char		path[300];
	of_error	err = {0};
	of_status	st;
	of_models  *m = NULL;

	snprintf(path, sizeof(path), "%s.bad", good);
	if (!f)
	{
		ok(0, "model file readable");
		return;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t) len);
	if (!data || fread(data, 1, (size_t) len, f) != (size_t) len)
	{
		fclose(f);
		free(data);
		ok(0, "model file readable");
		return;
	}
	fclose(f);

	test_memory(data, (size_t) len);
	st = open_damaged(data, (size_t) len, -1, path, &err);
	ok(st == OF_OK, "an intact copy opens");
	st = open_damaged(data, (size_t) len - 64, -1, path, &err);
	ok(st == OF_ECORRUPT, "truncated by 64 bytes: refused (%s)", err.msg);
	st = open_damaged(data, (size_t) len / 2, -1, path, &err);
	ok(st == OF_ECORRUPT, "truncated by half: refused (%s)", err.msg);
	st = open_damaged(data, 40, -1, path, &err);
	ok(st == OF_ECORRUPT, "only 40 bytes: refused (%s)", err.msg);
	st = open_damaged(data, 0, -1, path, &err);
	ok(st == OF_ECORRUPT, "empty file: refused (%s)", err.msg);
	st = open_damaged(data, (size_t) len, len - 100, path, &err);
	ok(st == OF_ECORRUPT, "one flipped bit in the weights: refused (%s)", err.msg);
	st = open_damaged(data, (size_t) len, 70, path, &err);
	ok(st == OF_ECORRUPT, "one flipped bit in the tensor table: refused (%s)", err.msg);
	st = open_damaged(data, (size_t) len, 0, path, &err);
	ok(st == OF_EFORMAT, "bad magic: refused (%s)", err.msg);
	st = open_damaged(data, (size_t) len, 8, path, &err);
	ok(st == OF_EFORMAT, "other version: refused (%s)", err.msg);
	st = of_models_open("/nonexistent/openface.ofm", &m, &err);
	ok(st == OF_EIO && m == NULL, "missing file: OF_EIO (%s)", err.msg);
	free(data);
}

int
main(void)
{
	const char *dir = getenv("OPENFACE_MODEL_DIR");
	char		tfjs[512],
				path[] = "/tmp/test_nets_XXXXXX";
	of_error	err = {0};
	of_models  *m = NULL;
	int			fd;

	openblas_set_num_threads(1);
	snprintf(tfjs, sizeof(tfjs), "%s/tfjs", dir && *dir ? dir : "models");
	fd = mkstemp(path);
	if (fd < 0)
	{
		ok(0, "temporary file");
		return unit_done();
	}
	close(fd);
	ok(of_models_convert(tfjs, path, &err) == OF_OK, "convert %s: %s", tfjs, err.msg);
	ok(of_models_open(path, &m, &err) == OF_OK, "open converted file: %s", err.msg);
	if (m)
	{
		test_detector(m, "det_3", 160);
		test_detector(m, "det_1", 416);
		for (int k = 1; k <= 3; k++)
			test_landmarks(m, k);
		for (int k = 1; k <= 3; k++)
			test_recognizer(m, k);
		test_cancel_and_args(m);
		of_models_close(m);
		test_damaged(path);
	}
	ok(of_models_convert("/nonexistent", path, &err) == OF_EIO, "convert from a missing dir: %s", err.msg);
	remove(path);
	return unit_done();
}
