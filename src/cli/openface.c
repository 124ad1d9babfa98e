/*
 * openface: the core pipeline without PostgreSQL.
 *
 *   openface [options] embed FILE...     one line per face: file, face#, score, box, 128 floats
 *   openface [options] detect FILE...    one line per face: file, face#, score, box [, landmarks]
 *   openface [options] chip FILE OUT.png the most prominent face, aligned, as a PNG
 *   openface [options] bench FILE...     per-stage median milliseconds (one thread)
 *
 * Options (before or after the command): -m FILE (model file; else
 *          $OPENFACE_MODEL_FILE, else models/openface.ofm),
 *          --faceapi (face-api's exact flow), --align faceapi|similarity,
 *          --input-size N, --min-score S, --single-pass, --whole-decode,
 *          -l (detect: landmarks),
 *          -n (embed: L2-normalise), -s N (chip size), -r N (bench runs).
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "image/image.h"
#include "nets/landmark_post.h"
#include "nets/nets.h"
#include "pipeline.h"
#include "timing.h"

typedef struct cli
{
	const char *model;
	of_pipeline_options opt;
	int			landmarks;
	int			normalise;
	int			chip_size;
	int			runs;
} cli;

static void
usage(void)
{
	fprintf(stderr,
			"usage: openface [options] embed FILE...\n"
			"       openface [options] detect FILE...\n"
			"       openface [options] chip FILE OUT.png\n"
			"       openface [options] bench FILE...\n"
			"options:\n"
			"  -m FILE             model file (default $OPENFACE_MODEL_FILE or models/openface.ofm)\n"
			"  --faceapi           face-api's standard flow exactly (detector 416, axis-aligned crop)\n"
			"  --align MODE        faceapi | similarity (default similarity)\n"
			"  --input-size N      detector input size, multiple of 32 (default 416)\n"
			"  --min-score S       detection score threshold (default 0.5)\n"
			"  --single-pass       only the main detector pass (no extra scales/canvas passes)\n"
			"  --whole-decode      detect on the whole decode, not a DCT-scaled one\n"
			"  -l                  detect: also print the 68 landmarks\n"
			"  -n                  embed: L2-normalise the descriptors\n"
			"  -s N                chip: size in pixels (default 150)\n"
			"  -r N                bench: runs per file (default 5)\n");
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE	   *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t		cap = 0,
				n = 0;

	if (fp == NULL)
		return NULL;
	for (;;)
	{
		size_t		got;

		if (n == cap)
		{
			unsigned char *tmp;

			cap = cap ? cap * 2 : 1 << 16;
			tmp = realloc(buf, cap);
			if (tmp == NULL)
			{
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = tmp;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp))
	{
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	*len = n;
	return buf;
}

static int
load_image(const char *path, of_image *img)
{
	size_t		len = 0;
	unsigned char *data = slurp(path, &len);
	of_error	err;

	if (data == NULL)
	{
		fprintf(stderr, "openface: cannot read %s\n", path);
		return -1;
	}
	if (of_image_decode(data, len, NULL, img, &err) != OF_OK)
	{
		fprintf(stderr, "openface: %s: %s\n", path, err.msg);
		free(data);
		return -1;
	}
	free(data);
	return 0;
}

static int
cmd_faces(const cli *c, of_models *m, int nfiles, char **files, int embed)
{
	int			rc = 0;

	for (int i = 0; i < nfiles; i++)
	{
		of_photo	ph;
		of_face    *faces = NULL;
		int			n = 0;
		size_t		len = 0;
		unsigned char *data = slurp(files[i], &len);
		of_error	err;

		if (data == NULL)
		{
			fprintf(stderr, "openface: cannot read %s\n", files[i]);
			rc = 1;
			continue;
		}
		if (of_photo_open(data, len, NULL, of_pipeline_detect_side(&c->opt), &ph, &err) != OF_OK ||
			of_pipeline_run_photo(m, &ph, &c->opt, 1, &faces, &n, &err) != OF_OK)
		{
			fprintf(stderr, "openface: %s: %s\n", files[i], err.msg);
			rc = 1;
		}
		for (int f = 0; f < n; f++)
		{
			const of_face *fc = &faces[f];

			printf("%s\t%d\t%.6f\t%.2f\t%.2f\t%.2f\t%.2f", files[i], f, fc->score,
				   fc->x, fc->y, fc->w, fc->h);
			if (embed)
			{
				double		norm = 0,
							scale = 1;

				for (int k = 0; k < OF_DESCRIPTOR_DIM; k++)
					norm += (double) fc->descriptor[k] * fc->descriptor[k];
				if (c->normalise && norm > 0)
					scale = 1 / sqrt(norm);
				putchar('\t');
				for (int k = 0; k < OF_DESCRIPTOR_DIM; k++)
					printf("%s%.8g", k ? " " : "", fc->descriptor[k] * scale);
			}
			else if (c->landmarks)
			{
				putchar('\t');
				for (int k = 0; k < 136; k++)
					printf("%s%.3f", k ? " " : "", fc->landmarks[k]);
			}
			putchar('\n');
		}
		free(faces);
		of_photo_free(&ph);
		free(data);
	}
	return rc;
}

static int
cmd_chip(const cli *c, of_models *m, const char *in, const char *out)
{
	of_image	img,
				chip;
	of_face    *faces = NULL;
	int			n = 0,
				best,
				rc = 1;
	of_error	err;
	unsigned char *png = NULL;
	size_t		pnglen = 0;

	if (load_image(in, &img) != 0)
		return 1;
	if (of_pipeline_run(m, &img, &c->opt, &faces, &n, &err) != OF_OK)
		fprintf(stderr, "openface: %s: %s\n", in, err.msg);
	else if ((best = of_most_prominent_face(faces, n)) < 0)
		fprintf(stderr, "openface: %s: no face found\n", in);
	else if (of_pipeline_chip(&img, &faces[best], c->chip_size, &chip, &err) != OF_OK)
		fprintf(stderr, "openface: %s: %s\n", in, err.msg);
	else
	{
		if (of_image_encode_png(&chip, &png, &pnglen, &err) != OF_OK)
			fprintf(stderr, "openface: %s: %s\n", out, err.msg);
		else
		{
			FILE	   *fp = fopen(out, "wb");

			if (fp && fwrite(png, 1, pnglen, fp) == pnglen && fclose(fp) == 0)
				rc = 0;
			else
			{
				fprintf(stderr, "openface: cannot write %s\n", out);
				if (fp)
					fclose(fp);
			}
		}
		free(png);
		of_image_free(&chip);
	}
	free(faces);
	of_image_free(&img);
	return rc;
}

/* Time each stage separately; landmark/align/recognise times are per image (all faces). */
static int
cmd_bench(const cli *c, of_models *m, int nfiles, char **files)
{
	enum
	{
		DECODE, DETECT, LANDMARKS, ALIGN, RECOGNISE, TOTAL, NSTAGE
	};
	static const char *names[NSTAGE] = {"decode", "detect", "landmarks", "align", "recognise", "total"};
	float	   *input = malloc((size_t) OF_RECOGNIZER_INPUT * OF_RECOGNIZER_INPUT * 3 * sizeof(float));
	double	   *t[NSTAGE];
	int			rc = 0;

	/* per-stage numbers are for one core */
	openblas_set_num_threads(1);
	for (int s = 0; s < NSTAGE; s++)
		t[s] = calloc((size_t) c->runs, sizeof(double));
	printf("file\tfaces");
	for (int s = 0; s < NSTAGE; s++)
		printf("\t%s_ms", names[s]);
	printf("\n");
	for (int i = 0; i < nfiles && input; i++)
	{
		size_t		len = 0;
		unsigned char *data = slurp(files[i], &len);
		int			nfaces = 0;

		if (data == NULL)
		{
			fprintf(stderr, "openface: cannot read %s\n", files[i]);
			rc = 1;
			continue;
		}
		/* run 0 is a warm-up (page cache of the model, allocator) and not counted */
		for (int r = -1; r < c->runs; r++)
		{
			of_image	img;
			of_detection *dets = NULL;
			int			nd = 0;
			of_face		face;
			of_error	err;
			double		t0,
						st[NSTAGE] = {0};

			t0 = of_wall_ms();
			if (of_image_decode(data, len, NULL, &img, &err) != OF_OK)
			{
				fprintf(stderr, "openface: %s: %s\n", files[i], err.msg);
				rc = 1;
				break;
			}
			st[DECODE] = of_wall_ms() - t0;
			t0 = of_wall_ms();
			if (of_pipeline_detect(m, &img, &c->opt, &dets, &nd, &err) != OF_OK)
			{
				fprintf(stderr, "openface: %s: %s\n", files[i], err.msg);
				rc = 1;
			}
			st[DETECT] = of_wall_ms() - t0;
			nfaces = 0;
			for (int f = 0; f < nd; f++)
			{
				of_rect		lc = of_landmark_crop(dets[f].x, dets[f].y, dets[f].w, dets[f].h,
												  img.width, img.height);

				if (lc.w <= 0 || lc.h <= 0)
					continue;
				t0 = of_wall_ms();
				if (of_pipeline_landmarks(m, &img, &dets[f], &face, &err) != OF_OK)
					break;
				st[LANDMARKS] += of_wall_ms() - t0;
				t0 = of_wall_ms();
				if (of_pipeline_align(&img, &face, c->opt.align, input, &err) != OF_OK)
					break;
				st[ALIGN] += of_wall_ms() - t0;
				t0 = of_wall_ms();
				if (of_pipeline_describe(m, &face, input, c->opt.mirror, &err) != OF_OK)
					break;
				st[RECOGNISE] += of_wall_ms() - t0;
				nfaces++;
			}
			free(dets);
			of_image_free(&img);
			if (r >= 0)
			{
				st[TOTAL] = 0;
				for (int s = 0; s < TOTAL; s++)
					st[TOTAL] += st[s];
				for (int s = 0; s < NSTAGE; s++)
					t[s][r] = st[s];
			}
		}
		free(data);
		printf("%s\t%d", files[i], nfaces);
		for (int s = 0; s < NSTAGE; s++)
			printf("\t%.2f", of_median(t[s], c->runs));
		printf("\n");
	}
	for (int s = 0; s < NSTAGE; s++)
		free(t[s]);
	free(input);
	return rc;
}

int
main(int argc, char **argv)
{
	cli			c;
	int			npos = 0,
				rc;
	char	  **pos = calloc((size_t) argc + 1, sizeof(char *));
	const char *cmd;
	of_models  *m = NULL;
	of_error	err;
	int			faceapi = 0,
				single = 0,
				whole = 0,
				input_size = 0,
				align = -1;
	double		min_score = -1;

	memset(&c, 0, sizeof(c));
	c.model = getenv("OPENFACE_MODEL_FILE");
	if (c.model == NULL || *c.model == 0)
		c.model = "models/openface.ofm";
	c.chip_size = 150;
	c.runs = 5;
	/* options may come before or after the command */
	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-m") == 0 && v)
			c.model = argv[++i];
		else if (strcmp(a, "--faceapi") == 0)
			faceapi = 1;
		else if (strcmp(a, "--whole-decode") == 0)
			whole = 1;
		else if (strcmp(a, "--single-pass") == 0)
			single = 1;
		else if (strcmp(a, "--align") == 0 && v)
		{
			i++;
			if (strcmp(v, "faceapi") == 0)
				align = OF_ALIGN_FACEAPI;
			else if (strcmp(v, "similarity") == 0)
				align = OF_ALIGN_SIMILARITY;
			else
			{
				usage();
				return 2;
			}
		}
		else if (strcmp(a, "--input-size") == 0 && v)
			input_size = atoi(argv[++i]);
		else if (strcmp(a, "--min-score") == 0 && v)
			min_score = atof(argv[++i]);
		else if (strcmp(a, "-l") == 0)
			c.landmarks = 1;
		else if (strcmp(a, "-n") == 0)
			c.normalise = 1;
		else if (strcmp(a, "-s") == 0 && v)
			c.chip_size = atoi(argv[++i]);
		else if (strcmp(a, "-r") == 0 && v)
			c.runs = atoi(argv[++i]);
		else if (a[0] != '-' || a[1] == 0)
			pos[npos++] = argv[i];
		else
		{
			usage();
			free(pos);
			return 2;
		}
	}
	if (npos < 2 || c.runs < 1)
	{
		usage();
		free(pos);
		return 2;
	}
	if (faceapi)
		of_pipeline_options_faceapi(&c.opt);
	else
		of_pipeline_options_init(&c.opt);
	if (single)
	{
		c.opt.npasses = 0;
		c.opt.small.input_size = 0;
	}
	if (whole)
		c.opt.scaled_view = 0;
	if (align >= 0)
		c.opt.align = (of_align_mode) align;
	if (input_size > 0)
		c.opt.input_size = input_size;
	if (min_score >= 0)
		c.opt.min_score = min_score;
	cmd = pos[0];
	if (!(strcmp(cmd, "embed") == 0 || strcmp(cmd, "detect") == 0 || strcmp(cmd, "bench") == 0 ||
		  strcmp(cmd, "chip") == 0) || (strcmp(cmd, "chip") == 0 && npos != 3))
	{
		usage();
		free(pos);
		return 2;
	}
	if (of_models_open(c.model, &m, &err) != OF_OK)
	{
		fprintf(stderr, "openface: %s: %s\n", c.model, err.msg);
		free(pos);
		return 1;
	}
	if (strcmp(cmd, "embed") == 0)
		rc = cmd_faces(&c, m, npos - 1, pos + 1, 1);
	else if (strcmp(cmd, "detect") == 0)
		rc = cmd_faces(&c, m, npos - 1, pos + 1, 0);
	else if (strcmp(cmd, "chip") == 0)
		rc = cmd_chip(&c, m, pos[1], pos[2]);
	else
		rc = cmd_bench(&c, m, npos - 1, pos + 1);
	of_models_close(m);
	free(pos);
	return rc;
}
