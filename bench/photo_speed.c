/*
 * photo_speed [-m MODEL] [-r RUNS] FILE...
 *
 * Before and after, side by side in one run (the runs interleave, so load
 * on a shared machine hits both alike), one thread, medians of RUNS
 * (default 11) after one warm-up, thread CPU time and wall time in ms:
 *
 *  - decode: the whole decode the pipeline read before vs the photo it reads
 *    now (of_photo_open: a DCT-scaled view when the photo is large enough,
 *    plus the full-resolution region of the most prominent face);
 *  - small faces: the main and canvas passes alone, plus the old
 *    whole-image pass at 640, plus the new tiles around near misses;
 *  - end to end (face_embed's work: decode, detect, the most prominent
 *    face's landmarks and descriptor): before vs now.
 *
 * Also the faces each detector configuration finds, so a speed-up that
 * loses faces shows.  MODEL defaults to models/openface.ofm.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "image/image.h"
#include "pipeline.h"
#include "timing.h"

enum
{
	DEC_OLD, DEC_NEW, DET_NONE, DET_OLD, DET_NEW, E2E_OLD, E2E_NEW, NTIMES
};

static const char *names[NTIMES] = {
	"decode whole", "decode view+face", "detect no small", "detect 640 pass",
	"detect tiles", "e2e before", "e2e now"
};

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE	   *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	long		sz;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (sz = ftell(fp)) > 0 && fseek(fp, 0, SEEK_SET) == 0 &&
		(buf = malloc((size_t) sz)) != NULL && fread(buf, 1, (size_t) sz, fp) != (size_t) sz)
	{
		free(buf);
		buf = NULL;
	}
	else if (buf != NULL)
		*len = (size_t) sz;
	fclose(fp);
	return buf;
}

static void
die(const char *what, const of_error *err)
{
	fprintf(stderr, "photo_speed: %s: %s\n", what, err->msg);
	exit(1);
}

/* The pipeline as it was: the whole-image pass at 640, on the whole decode. */
static void
options_before(of_pipeline_options *o)
{
	of_pipeline_options_init(o);
	o->small.input_size = 0;
	o->scaled_view = 0;
	o->passes[o->npasses++] = (of_detector_pass) {640, 1.0, 480};
}

typedef struct sample
{
	double		cpu,
				wall;
} sample;

static sample
since(sample t0)
{
	sample		s = {of_thread_cpu_ms() - t0.cpu, of_wall_ms() - t0.wall};

	return s;
}

static sample
now(void)
{
	sample		s = {of_thread_cpu_ms(), of_wall_ms()};

	return s;
}

static int
detect(const of_models *m, const of_image *img, const of_pipeline_options *o, sample *t)
{
	of_detection *d = NULL;
	int			n = 0;
	of_error	err;
	sample		t0 = now();

	if (of_pipeline_detect(m, img, o, &d, &n, &err) != OF_OK)
		die("detect", &err);
	*t = since(t0);
	free(d);
	return n;
}

/* What the face's crops read at least: its landmark crop and its chip's views. */
static of_rect
face_source(const of_face *f, int jitter)
{
	return of_rect_union(f->landmark_crop, of_pipeline_align_footprint(f, jitter));
}

int
main(int argc, char **argv)
{
	const char *model = "models/openface.ofm";
	int			runs = 11;
	of_models  *m;
	of_error	err;
	of_decode_opts dopts = {0, 1};
	of_pipeline_options before,
				nosmall,
				tiles;

	int			a = 1;

	for (; a < argc && argv[a][0] == '-'; a++)
	{
		if (strcmp(argv[a], "-m") == 0 && a + 1 < argc)
			model = argv[++a];
		else if (strcmp(argv[a], "-r") == 0 && a + 1 < argc)
			runs = atoi(argv[++a]);
		else
			break;
	}
	if (a >= argc || runs < 1)
	{
		fprintf(stderr, "usage: photo_speed [-m MODEL] [-r RUNS] FILE...\n");
		return 2;
	}
	if (of_models_open(model, &m, &err) != OF_OK)
		die(model, &err);
	openblas_set_num_threads(1);
	options_before(&before);
	of_pipeline_options_init(&tiles);
	nosmall = tiles;
	nosmall.small.input_size = 0;

	printf("%-44s %-18s %9s %9s %7s\n", "file", "measure", "cpu_ms", "wall_ms", "faces");
	for (; a < argc; a++)
	{
		size_t		len = 0;
		unsigned char *data = slurp(argv[a], &len);
		double	   *cpu[NTIMES],
				   *wall[NTIMES];
		int			faces[NTIMES] = {0};
		const char *base = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];

		if (data == NULL)
		{
			fprintf(stderr, "photo_speed: cannot read %s\n", argv[a]);
			return 1;
		}
		for (int k = 0; k < NTIMES; k++)
		{
			cpu[k] = calloc((size_t) runs, sizeof(double));
			wall[k] = calloc((size_t) runs, sizeof(double));
		}
		for (int r = -1; r < runs; r++)
		{
			sample		t[NTIMES],
						t0;
			of_image	img;
			of_photo	ph;
			of_face    *f = NULL;
			int			n = 0;

			/* decode: whole vs view + the prominent face's region (found by the pipeline) */
			t0 = now();
			if (of_image_decode(data, len, &dopts, &img, &err) != OF_OK)
				die(base, &err);
			t[DEC_OLD] = since(t0);
			if (of_photo_open(data, len, &dopts, of_pipeline_detect_side(&tiles), &ph, &err) != OF_OK ||
				of_pipeline_run_photo(m, &ph, &tiles, 0, &f, &n, &err) != OF_OK)
				die(base, &err);
			of_photo_free(&ph);
			t0 = now();
			if (of_photo_open(data, len, &dopts, of_pipeline_detect_side(&tiles), &ph, &err) != OF_OK ||
				(n > 0 && of_photo_need(&ph, face_source(f, tiles.jitter), &err) != OF_OK))
				die(base, &err);
			t[DEC_NEW] = since(t0);
			faces[DEC_NEW] = of_photo_scaled(&ph) ? ph.view.width : 0;
			of_photo_free(&ph);
			free(f);

			faces[DET_NONE] = detect(m, &img, &nosmall, &t[DET_NONE]);
			faces[DET_OLD] = detect(m, &img, &before, &t[DET_OLD]);
			faces[DET_NEW] = detect(m, &img, &tiles, &t[DET_NEW]);
			of_image_free(&img);

			/* end to end, as face_embed */
			t0 = now();
			if (of_image_decode(data, len, &dopts, &img, &err) != OF_OK ||
				of_pipeline_run_prominent(m, &img, &before, &f, &err) != OF_OK)
				die(base, &err);
			of_image_free(&img);
			free(f);
			t[E2E_OLD] = since(t0);
			t0 = now();
			if (of_photo_open(data, len, &dopts, of_pipeline_detect_side(&tiles), &ph, &err) != OF_OK ||
				of_pipeline_run_photo(m, &ph, &tiles, 0, &f, &n, &err) != OF_OK)
				die(base, &err);
			of_photo_free(&ph);
			free(f);
			t[E2E_NEW] = since(t0);
			for (int k = 0; r >= 0 && k < NTIMES; k++)
			{
				cpu[k][r] = t[k].cpu;
				wall[k][r] = t[k].wall;
			}
		}
		for (int k = 0; k < NTIMES; k++)
		{
			char		note[32] = "";

			if (k == DEC_NEW)
				snprintf(note, sizeof(note), faces[k] ? "view %d px" : "whole", faces[k]);
			else if (k >= DET_NONE && k <= DET_NEW)
				snprintf(note, sizeof(note), "%d", faces[k]);
			printf("%-44s %-18s %9.2f %9.2f %7s\n", base, names[k], of_median(cpu[k], runs),
				   of_median(wall[k], runs), note);
		}
		printf("%-44s %-18s %9.2f %9.2f\n", base, "ratio decode", of_median(cpu[DEC_NEW], runs) /
			   of_median(cpu[DEC_OLD], runs), of_median(wall[DEC_NEW], runs) / of_median(wall[DEC_OLD], runs));
		printf("%-44s %-18s %9.2f %9.2f\n", base, "ratio small pass",
			   (of_median(cpu[DET_NEW], runs) - of_median(cpu[DET_NONE], runs)) /
			   (of_median(cpu[DET_OLD], runs) - of_median(cpu[DET_NONE], runs)),
			   (of_median(wall[DET_NEW], runs) - of_median(wall[DET_NONE], runs)) /
			   (of_median(wall[DET_OLD], runs) - of_median(wall[DET_NONE], runs)));
		printf("%-44s %-18s %9.2f %9.2f\n", base, "ratio end to end", of_median(cpu[E2E_NEW], runs) /
			   of_median(cpu[E2E_OLD], runs), of_median(wall[E2E_NEW], runs) / of_median(wall[E2E_OLD], runs));
		for (int k = 0; k < NTIMES; k++)
		{
			free(cpu[k]);
			free(wall[k]);
		}
		free(data);
	}
	of_models_close(m);
	return 0;
}
