/*
 * openface: the core pipeline without PostgreSQL.
 *
 *   openface [options] embed FILE...      one row per face: file, face#, score, box, embedding
 *   openface [options] detect FILE...     one row per face: file, face#, score, box [, landmarks]
 *   openface [options] compare A B        the two most prominent faces' distance and verdict
 *   openface [options] who KNOWN FILE...  one row per face: file, face#, name, distance
 *   openface [options] chip FILE OUT.png  the most prominent face, aligned, as a PNG
 *   openface [options] load --table T FILE...   photos into a table over libpq (load.c)
 *   openface [options] bench FILE...      per-stage median milliseconds (one thread)
 *
 * A FILE may be a folder: its images are taken recursively, in sorted order.
 * Faces are numbered from 1 as in SQL, and embeddings are printed in
 * face_embedding's text form, so output can be pasted into a query.  Rows
 * are TSV, CSV or JSON (output.c).
 * Exit status: 0 all good, 1 an error, 2 bad usage, 3 some photo had no face.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "distance.h"
#include "identify.h"
#include "image/image.h"
#include "jitter.h"
#include "nets/landmark_post.h"
#include "nets/nets.h"
#include "pipeline.h"
#include "timing.h"

#include "openface/cli.h"

/*
 * compare's default tolerance: the verification threshold of the README
 * (raw descriptors, LFW view 1: 98.7% of pairs right at 0.60).  who names
 * people as face_identify does (src/core/identify.h), with its threshold:
 * the nearest face within 0.6 names most strangers as someone.
 */
#define SAME_PERSON_DISTANCE 0.6

/* chip -s: far above any face's own resolution; bounds the PNG's memory */
#define CHIP_MAX_SIZE 4096

/*
 * load --batch: photos per COPY, each COPY its own transaction: a failure
 * rolls back at most this many, and a commit per batch, not per photo, keeps
 * a large load fast.  Photos are streamed, so memory does not grow with it.
 */
#define LOAD_BATCH 100

/* Where the model file is looked for when neither -m nor $OPENFACE_MODEL_FILE names one. */
static const char *const default_models[] = {
#ifdef OF_INSTALLED_MODEL
	OF_INSTALLED_MODEL,			/* make install's copy: $(datadir)/openface/openface.ofm */
#endif
	"models/openface.ofm"		/* a source tree, after make */
};

typedef struct cli
{
	const char *model;
	of_pipeline_options opt;
	of_decode_opts decode;
	int			landmarks;
	int			normalise;
	int			chip_size;
	int			runs;
	double		tolerance;
	out_format	format;
	load_opts	load;
} cli;

static void
usage(FILE *out)
{
	fprintf(out,
			"usage: openface [options] embed FILE...\n"
			"       openface [options] detect FILE...\n"
			"       openface [options] compare A B\n"
			"       openface [options] who KNOWN FILE...      (identify is another name for who)\n"
			"       openface [options] chip FILE OUT.png\n"
			"       openface [options] load --table T [-d CONNINFO] FILE...\n"
			"       openface [options] bench FILE...\n"
			"\n"
			"A FILE may be a folder: its .jpg, .jpeg, .png, .heic, .heif and .webp files are\n"
			"taken recursively, in sorted order. One row per face (compare: per pair, bench:\n"
			"per file), faces numbered from 1:\n"
			"  embed     file, face, score, x, y, width, height, embedding as [x1,...,x128]\n"
			"  detect    file, face, score, x, y, width, height [, 136 landmark coordinates]\n"
			"  compare   file1, file2, distance between their most prominent faces, and\n"
			"            same or different (same when the distance is within the tolerance)\n"
			"  who       file, face, name (or unknown), distance to the nearest known face;\n"
			"            KNOWN is a folder of sub-folders named after the people, or of photos\n"
			"            named after them (alice.jpg); the most prominent face of each is used\n"
			"  load      copies the photos' bytes into table T (created as (id, path, photo)\n"
			"            if missing) with COPY, a transaction per batch; progress on stderr\n"
			"\n"
			"options (before or after the command):\n"
			"  --format F          tsv (default, no header), csv (header, RFC 4180 quoting)\n"
			"                      or json (an array of objects)\n"
			"  -m FILE             model file (default $OPENFACE_MODEL_FILE, else the installed\n"
			"                      one, else models/openface.ofm)\n"
			"  --faceapi           face-api's standard flow exactly (detector 416, axis-aligned\n"
			"                      crop, EXIF orientation ignored)\n"
			"  --align MODE        faceapi | similarity | dlib (default similarity)\n"
			"  --jitter N          extra views averaged into each descriptor, 0-%d\n"
			"                      (default %d: the mirror image and dlib's chip;\n"
			"                      3 adds that chip's mirror; 0 with --faceapi)\n"
			"  --input-size N      detector input size, multiple of 32 (default 416)\n"
			"  --min-score S       detection score threshold (default 0.5)\n"
			"  --single-pass       only the main detector pass (no extra scales/canvas passes)\n"
			"  --whole-decode      detect on the whole decode, not a DCT-scaled one\n"
			"  --tolerance T       compare: largest distance of one person (default %.2g);\n"
			"                      who: face_identify's threshold (default %.2g)\n"
			"  -l                  detect: also print the 68 landmarks\n"
			"  -n                  embed: L2-normalise the descriptors\n"
			"  -s N                chip: size in pixels (default 150)\n"
			"  -r N                bench: runs per file (default 5)\n"
			"  -d CONNINFO         load: connection string or URI (default: the PG* variables)\n"
			"  --table T           load: the table, as in SQL (may be schema-qualified)\n"
			"  --path-column C     load: where the file's path goes (default path; \"\" for none)\n"
			"  --photo-column C    load: where its bytes go (default photo)\n"
			"  --batch N           load: photos per transaction (default %d)\n"
			"  -h, --help          this text\n"
			"\n"
			"exit status: 0 all good, 1 an error (unreadable file, bad image, no model,\n"
			"             database error), 2 bad usage, 3 no error but some photo had no face\n",
			OF_JITTER_MAX, OF_PIPELINE_JITTER, SAME_PERSON_DISTANCE, OF_IDENTIFY_DEFAULT_THRESHOLD,
			LOAD_BATCH);
}

static void
no_face(const char *path)
{
	fprintf(stderr, "openface: %s: no face found\n", path);
}


static int
load_image(const cli *c, const char *path, of_image *img)
{
	size_t		len = 0;
	unsigned char *data = slurp(path, &len);
	of_error	err;

	if (data == NULL)
	{
		fprintf(stderr, "openface: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (of_image_decode(data, len, &c->decode, img, &err) != OF_OK)
	{
		fprintf(stderr, "openface: %s: %s\n", path, err.msg);
		free(data);
		return -1;
	}
	free(data);
	return 0;
}

/*
 * The faces of the photo at path, all of them or the most prominent: the
 * detector reads a DCT-scaled view, the crops full-resolution regions, as
 * in SQL.  *n = 0 and EXIT_NO_FACE when there is none.
 */
static int
photo_faces(const cli *c, of_models *m, const char *path, int all, of_face **faces, int *n)
{
	size_t		len = 0;
	unsigned char *data = slurp(path, &len);
	of_photo	ph;
	of_error	err;
	int			rc = EXIT_ALL_GOOD;

	*faces = NULL;
	*n = 0;
	if (data == NULL)
	{
		fprintf(stderr, "openface: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_ERROR;
	}
	if (of_photo_open(data, len, &c->decode, of_pipeline_detect_side(&c->opt), &ph, &err) != OF_OK)
	{
		fprintf(stderr, "openface: %s: %s\n", path, err.msg);
		free(data);
		return EXIT_ERROR;
	}
	if (of_pipeline_run_photo(m, &ph, &c->opt, all, faces, n, &err) != OF_OK)
	{
		fprintf(stderr, "openface: %s: %s\n", path, err.msg);
		rc = EXIT_ERROR;
	}
	else if (*n == 0)
	{
		no_face(path);
		rc = EXIT_NO_FACE;
	}
	of_photo_free(&ph);
	free(data);
	return rc;
}

static int
cmd_faces(const cli *c, of_models *m, const file_list *files, int embed)
{
	static const char *const names[] = {"file", "face", "score", "x", "y", "width", "height",
	"embedding"};
	static const char *const detect_names[] = {"file", "face", "score", "x", "y", "width",
	"height", "landmarks"};
	int			rc = EXIT_ALL_GOOD;
	table_out	t;

	out_begin(&t, c->format, embed || c->landmarks ? 8 : 7, embed ? names : detect_names, 0);
	for (int i = 0; i < files->n; i++)
	{
		of_face    *faces;
		int			n;

		rc = merge_status(rc, photo_faces(c, m, files->path[i], 1, &faces, &n));
		for (int f = 0; f < n; f++)
		{
			const of_face *fc = &faces[f];

			out_text(&t, files->path[i]);
			out_int(&t, f + 1);
			out_num(&t, "%.6f", fc->score);
			out_num(&t, "%.2f", fc->x);
			out_num(&t, "%.2f", fc->y);
			out_num(&t, "%.2f", fc->w);
			out_num(&t, "%.2f", fc->h);
			if (embed)
			{
				double		norm = 0,
							scale = 1,
							e[OF_DESCRIPTOR_DIM];

				for (int k = 0; k < OF_DESCRIPTOR_DIM; k++)
					norm += (double) fc->descriptor[k] * fc->descriptor[k];
				if (c->normalise && norm > 0)
					scale = 1 / sqrt(norm);
				/* rounded to float4, as face_embedding stores it */
				for (int k = 0; k < OF_DESCRIPTOR_DIM; k++)
					e[k] = (float) (fc->descriptor[k] * scale);
				out_array(&t, e, OF_DESCRIPTOR_DIM, 1);
			}
			else if (c->landmarks)
				out_array(&t, fc->landmarks, 2 * OF_LANDMARK_POINTS, 0);
			out_end_row(&t);
		}
		free(faces);
	}
	out_end(&t);
	return rc;
}

/*
 * The distance between the most prominent faces of two photos, and whether
 * it makes them one person.  Nothing is printed when either has no face.
 */
static int
cmd_compare(const cli *c, of_models *m, const char *a, const char *b)
{
	static const char *const names[] = {"file1", "file2", "distance", "verdict"};
	of_face    *fa,
			   *fb;
	int			na,
				nb,
				rc;
	table_out	t;

	rc = merge_status(photo_faces(c, m, a, 0, &fa, &na), photo_faces(c, m, b, 0, &fb, &nb));
	out_begin(&t, c->format, 4, names, 0);
	if (na > 0 && nb > 0)
	{
		float		d = of_l2_distance(fa->descriptor, fb->descriptor, OF_DESCRIPTOR_DIM);

		out_text(&t, a);
		out_text(&t, b);
		out_num(&t, "%.6f", d);
		out_text(&t, d <= (isnan(c->tolerance) ? SAME_PERSON_DISTANCE : c->tolerance) ? "same" : "different");
		out_end_row(&t);
	}
	out_end(&t);
	free(fa);
	free(fb);
	return rc;
}

/*
 * Name each face of the photos as face_identify would: its nearest known
 * faces grouped by person (src/core/identify.h); the known photos each give
 * their most prominent face.  The distance printed is to the named (or
 * nearest) person's faces.
 */
static int
cmd_who(const cli *c, of_models *m, const char *known_dir, const file_list *photos)
{
	static const char *const names[] = {"file", "face", "name", "distance"};
	table_out	t;
	file_list	known = {0};
	float	   *desc;
	const char **who;
	int		   *who_id = NULL;
	int			nknown = 0,
				rc = list_known(known_dir, &known);

	if (rc == EXIT_ERROR && known.n == 0)
	{
		list_free(&known);
		return rc;
	}
	desc = malloc((size_t) (known.n ? known.n : 1) * OF_DESCRIPTOR_DIM * sizeof(float));
	who = malloc((size_t) (known.n ? known.n : 1) * sizeof(char *));
	if (desc == NULL || who == NULL)
	{
		fprintf(stderr, "openface: out of memory\n");
		rc = EXIT_ERROR;
		goto done;
	}
	for (int i = 0; i < known.n; i++)
	{
		of_face    *face;
		int			n;

		rc = merge_status(rc, photo_faces(c, m, known.path[i], 0, &face, &n));
		if (n > 0)
		{
			memcpy(desc + (size_t) nknown * OF_DESCRIPTOR_DIM, face->descriptor,
				   sizeof(face->descriptor));
			who[nknown++] = known.label[i];
		}
		free(face);
	}
	if (nknown == 0)
	{
		fprintf(stderr, "openface: who: no known face in %s (expected sub-folders "
				"named after people, or photos named after them)\n", known_dir);
		rc = EXIT_ERROR;
		goto done;
	}
	/* a person id per known face: the index of the person's first face */
	who_id = malloc(sizeof(int) * (size_t) nknown);
	if (who_id == NULL)
	{
		fprintf(stderr, "openface: out of memory\n");
		rc = EXIT_ERROR;
		goto done;
	}
	for (int k = 0; k < nknown; k++)
	{
		int			p = 0;

		while (strcmp(who[p], who[k]) != 0)
			p++;
		who_id[k] = p;
	}
	out_begin(&t, c->format, 4, names, 0);
	for (int i = 0; i < photos->n; i++)
	{
		of_face    *faces;
		int			n;

		rc = merge_status(rc, photo_faces(c, m, photos->path[i], 1, &faces, &n));
		for (int f = 0; f < n; f++)
		{
			of_identity id;
			of_error	err;

			if (of_identify_gallery(faces[f].descriptor, desc, who_id, (size_t) nknown,
									OF_IDENTIFY_DEFAULT_K, OF_DESCRIPTOR_DIM,
									isnan(c->tolerance) ? OF_IDENTIFY_DEFAULT_THRESHOLD : c->tolerance,
									&id, &err) != OF_OK)
			{
				fprintf(stderr, "openface: %s\n", err.msg);
				rc = EXIT_ERROR;
				break;
			}
			out_text(&t, photos->path[i]);
			out_int(&t, f + 1);
			out_text(&t, id.named ? who[id.label] : "unknown");
			out_num(&t, "%.4f", id.distance);
			out_end_row(&t);
		}
		free(faces);
	}
	out_end(&t);
done:
	free(desc);
	free(who);
	free(who_id);
	list_free(&known);
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
				rc = EXIT_ERROR;
	of_error	err;
	unsigned char *png = NULL;
	size_t		pnglen = 0;

	if (load_image(c, in, &img) != 0)
		return EXIT_ERROR;
	if (of_pipeline_run(m, &img, &c->opt, &faces, &n, &err) != OF_OK)
		fprintf(stderr, "openface: %s: %s\n", in, err.msg);
	else if ((best = of_most_prominent_face(faces, n)) < 0)
	{
		no_face(in);
		rc = EXIT_NO_FACE;
	}
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
				rc = EXIT_ALL_GOOD;
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
cmd_bench(const cli *c, of_models *m, const file_list *files)
{
	enum
	{
		DECODE, DETECT, LANDMARKS, ALIGN, RECOGNISE, TOTAL, NSTAGE
	};
	static const char *const names[2 + NSTAGE] = {"file", "faces", "decode_ms", "detect_ms",
	"landmarks_ms", "align_ms", "recognise_ms", "total_ms"};
	table_out	out;
	float	   *input = malloc((size_t) OF_RECOGNIZER_INPUT * OF_RECOGNIZER_INPUT * 3 * sizeof(float));
	double	   *t[NSTAGE];
	int			rc = EXIT_ALL_GOOD;

	/* per-stage numbers are for one core */
	openblas_set_num_threads(1);
	for (int s = 0; s < NSTAGE; s++)
		t[s] = calloc((size_t) c->runs, sizeof(double));
	out_begin(&out, c->format, 2 + NSTAGE, names, 1);
	for (int i = 0; i < files->n && input; i++)
	{
		size_t		len = 0;
		unsigned char *data = slurp(files->path[i], &len);
		int			nfaces = 0;

		if (data == NULL)
		{
			fprintf(stderr, "openface: cannot read %s\n", files->path[i]);
			rc = EXIT_ERROR;
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
			if (of_image_decode(data, len, &c->decode, &img, &err) != OF_OK)
			{
				fprintf(stderr, "openface: %s: %s\n", files->path[i], err.msg);
				rc = EXIT_ERROR;
				break;
			}
			st[DECODE] = of_wall_ms() - t0;
			t0 = of_wall_ms();
			if (of_pipeline_detect(m, &img, &c->opt, &dets, &nd, &err) != OF_OK)
			{
				fprintf(stderr, "openface: %s: %s\n", files->path[i], err.msg);
				rc = EXIT_ERROR;
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
				if (of_pipeline_describe(m, &img, &face, input, c->opt.jitter, &err) != OF_OK)
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
		out_text(&out, files->path[i]);
		out_int(&out, nfaces);
		for (int s = 0; s < NSTAGE; s++)
			out_num(&out, "%.2f", of_median(t[s], c->runs));
		out_end_row(&out);
	}
	out_end(&out);
	for (int s = 0; s < NSTAGE; s++)
		free(t[s]);
	free(input);
	return rc;
}


/*
 * The model file: -m or $OPENFACE_MODEL_FILE exactly as given; otherwise the
 * first of default_models that exists.
 */
static int
open_models(const char *given, of_models **m)
{
	const size_t ndefault = sizeof(default_models) / sizeof(default_models[0]);
	const char *path = given;
	of_error	err;

	for (size_t i = 0; path == NULL && i < ndefault; i++)
		if (access(default_models[i], F_OK) == 0)
			path = default_models[i];
	if (path == NULL)
	{
		fprintf(stderr, "openface: no model file found; tried");
		for (size_t i = 0; i < ndefault; i++)
			fprintf(stderr, "%s %s", i ? "," : "", default_models[i]);
		fprintf(stderr, "\nopenface: name one with -m FILE or $OPENFACE_MODEL_FILE\n");
		return -1;
	}
	if (of_models_open(path, m, &err) != OF_OK)
	{
		fprintf(stderr, "openface: model file %s: %s\n", path, err.msg);
		return -1;
	}
	return 0;
}

static int
bad_usage(const char *why, const char *what)
{
	if (why)
		fprintf(stderr, "openface: %s%s%s\n", why, what ? ": " : "", what ? what : "");
	usage(stderr);
	return EXIT_USAGE;
}

/* A number option's value: all of s, in [lo, hi], whole if asked. */
static int
parse_number(const char *s, double lo, double hi, int whole, double *out)
{
	char	   *end;

	errno = 0;
	*out = strtod(s, &end);
	return end != s && *end == '\0' && errno == 0 && *out >= lo && *out <= hi &&
		(!whole || *out == floor(*out));
}

/* The commands, how many FILE arguments each takes, and whether it runs the networks. */
typedef struct command
{
	const char *name;
	int			min_files,
				max_files;		/* -1: any number */
	int			needs_model;
} command;

static const command commands[] = {
	{"embed", 1, -1, 1},
	{"detect", 1, -1, 1},
	{"compare", 2, 2, 1},
	{"who", 2, -1, 1},
	{"identify", 2, -1, 1},		/* who's first name, kept for scripts */
	{"chip", 2, 2, 1},
	{"load", 1, -1, 0},
	{"bench", 1, -1, 1},
};

int
main(int argc, char **argv)
{
	cli			c;
	int			npos = 0,
				rc;
	char	  **pos;
	const command *cmd = NULL;
	of_models  *m = NULL;
	file_list	files = {0};
	int			faceapi = 0,
				single = 0,
				whole = 0,
				input_size = 0,
				align = -1,
				jitter = -1;
	double		min_score = -1,
				num;

	memset(&c, 0, sizeof(c));
	c.model = getenv("OPENFACE_MODEL_FILE");
	if (c.model != NULL && *c.model == 0)
		c.model = NULL;
	c.chip_size = 150;
	c.runs = 5;
	c.tolerance = NAN;			/* each command's own default */
	c.format = FORMAT_TSV;
	c.load.path_column = "path";
	c.load.photo_column = "photo";
	c.load.batch = LOAD_BATCH;
	if ((pos = calloc((size_t) argc + 1, sizeof(char *))) == NULL)
		return EXIT_ERROR;
	/* options may come before or after the command */
	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
		{
			usage(stdout);
			free(pos);
			return EXIT_ALL_GOOD;
		}
		else if (strcmp(a, "--faceapi") == 0)
			faceapi = 1;
		else if (strcmp(a, "--single-pass") == 0)
			single = 1;
		else if (strcmp(a, "--whole-decode") == 0)
			whole = 1;
		else if (strcmp(a, "-l") == 0)
			c.landmarks = 1;
		else if (strcmp(a, "-n") == 0)
			c.normalise = 1;
		else if (a[0] != '-' || a[1] == 0)
			pos[npos++] = argv[i];
		else if (v == NULL)
		{
			free(pos);
			return bad_usage("unknown option or missing value", a);
		}
		else
		{
			int			ok = 1;

			i++;
			if (strcmp(a, "-m") == 0)
				c.model = v;
			else if (strcmp(a, "--format") == 0)
				ok = parse_format(v, &c.format);
			else if (strcmp(a, "--align") == 0)
			{
				ok = strcmp(v, "faceapi") == 0 || strcmp(v, "similarity") == 0 ||
					strcmp(v, "dlib") == 0;
				align = strcmp(v, "faceapi") == 0 ? OF_ALIGN_FACEAPI :
					strcmp(v, "dlib") == 0 ? OF_ALIGN_DLIB : OF_ALIGN_SIMILARITY;
			}
			else if (strcmp(a, "--jitter") == 0)
			{
				ok = parse_number(v, 0, OF_JITTER_MAX, 1, &num);
				jitter = (int) num;
			}
			else if (strcmp(a, "--input-size") == 0)
			{
				ok = parse_number(v, OF_DETECTOR_CELL, OF_DETECTOR_MAX_INPUT, 1, &num) &&
					(int) num % OF_DETECTOR_CELL == 0;
				input_size = (int) num;
			}
			else if (strcmp(a, "--min-score") == 0)
				ok = parse_number(v, 0, 1, 0, &min_score);
			else if (strcmp(a, "--tolerance") == 0)
				ok = parse_number(v, 0, INFINITY, 0, &c.tolerance);
			else if (strcmp(a, "-s") == 0)
			{
				ok = parse_number(v, 1, CHIP_MAX_SIZE, 1, &num);
				c.chip_size = (int) num;
			}
			else if (strcmp(a, "-r") == 0)
			{
				ok = parse_number(v, 1, INT_MAX, 1, &num);
				c.runs = (int) num;
			}
			else if (strcmp(a, "-d") == 0)
				c.load.conninfo = v;
			else if (strcmp(a, "--table") == 0)
				ok = *(c.load.table = v) != '\0';
			else if (strcmp(a, "--path-column") == 0)
				c.load.path_column = v;
			else if (strcmp(a, "--photo-column") == 0)
				ok = *(c.load.photo_column = v) != '\0';
			else if (strcmp(a, "--batch") == 0)
			{
				ok = parse_number(v, 1, INT_MAX, 1, &num);
				c.load.batch = (int) num;
			}
			else
			{
				free(pos);
				return bad_usage("unknown option", a);
			}
			if (!ok)
			{
				fprintf(stderr, "openface: bad value for %s: %s\n", a, v);
				free(pos);
				return bad_usage(NULL, NULL);
			}
		}
	}
	if (npos == 0)
	{
		free(pos);
		return bad_usage("no command", NULL);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(pos[0], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL)
	{
		const char *name = pos[0];	/* argv's, not pos's */

		free(pos);
		return bad_usage("unknown command", name);
	}
	if (npos - 1 < cmd->min_files || (cmd->max_files >= 0 && npos - 1 > cmd->max_files))
	{
		free(pos);
		return bad_usage("wrong number of files for", cmd->name);
	}
	if (strcmp(cmd->name, "load") == 0 && c.load.table == NULL)
	{
		free(pos);
		return bad_usage("load needs --table", NULL);
	}
	if (faceapi)
		of_pipeline_options_faceapi(&c.opt);
	else
		of_pipeline_options_init(&c.opt);
	/* as SQL: phones store portraits sideways with a tag; face-api ignores it */
	c.decode.apply_exif_orientation = !faceapi;
	if (single)
	{
		c.opt.npasses = 0;
		c.opt.small.input_size = 0;
	}
	if (whole)
		c.opt.scaled_view = 0;
	if (align >= 0)
		c.opt.align = (of_align_mode) align;
	if (jitter >= 0)
		c.opt.jitter = jitter;
	if (input_size > 0)
		c.opt.input_size = input_size;
	if (min_score >= 0)
		c.opt.min_score = min_score;
	if (cmd->needs_model && open_models(c.model, &m) != 0)
	{
		free(pos);
		return EXIT_ERROR;
	}
	if (strcmp(cmd->name, "chip") == 0)
		rc = cmd_chip(&c, m, pos[1], pos[2]);
	else if (strcmp(cmd->name, "compare") == 0)
		rc = cmd_compare(&c, m, pos[1], pos[2]);
	else
	{
		/* who's first file is the folder of known people */
		int			first = strcmp(cmd->name, "who") == 0 || strcmp(cmd->name, "identify") == 0 ? 2 : 1;

		rc = expand_args(npos - first, pos + first, &files);
		if (strcmp(cmd->name, "embed") == 0)
			rc = merge_status(rc, cmd_faces(&c, m, &files, 1));
		else if (strcmp(cmd->name, "detect") == 0)
			rc = merge_status(rc, cmd_faces(&c, m, &files, 0));
		else if (first == 2)
			rc = merge_status(rc, cmd_who(&c, m, pos[1], &files));
		else if (strcmp(cmd->name, "load") == 0)
			rc = merge_status(rc, cmd_load(&c.load, &files));
		else
			rc = merge_status(rc, cmd_bench(&c, m, &files));
	}
	list_free(&files);
	if (m)
		of_models_close(m);
	free(pos);
	return rc;
}
