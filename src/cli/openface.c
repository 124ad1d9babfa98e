/*
 * openface: the core pipeline without PostgreSQL.
 *
 *   openface [options] embed FILE...      one line per face: file, face#, score, box, embedding
 *   openface [options] detect FILE...     one line per face: file, face#, score, box [, landmarks]
 *   openface [options] identify KNOWN FILE...   one line per face: file, face#, name, distance
 *   openface [options] chip FILE OUT.png  the most prominent face, aligned, as a PNG
 *   openface [options] bench FILE...      per-stage median milliseconds (one thread)
 *
 * A FILE may be a folder: its images are taken recursively, in sorted order.
 * Faces are numbered from 1 as in SQL, and embeddings are printed in
 * face_embedding's text form, so output can be pasted into a query.
 * Exit status: 0 all good, 1 an error, 2 bad usage, 3 some photo had no face.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cblas.h>

#include "distance.h"
#include "image/image.h"
#include "nets/landmark_post.h"
#include "nets/nets.h"
#include "pipeline.h"
#include "timing.h"

/* Exit statuses (documented in usage() and the README). */
enum
{
	EXIT_ALL_GOOD = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_NO_FACE = 3
};

/*
 * identify's default tolerance: the verification threshold of the README
 * (raw descriptors, LFW view 1: 98.9% of pairs right at 0.60).
 */
#define SAME_PERSON_DISTANCE 0.6

/* chip -s: far above any face's own resolution; bounds the PNG's memory */
#define CHIP_MAX_SIZE 4096

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
} cli;

/* A list of photo paths, each with an optional label (identify's known people). */
typedef struct file_list
{
	char	  **path;
	char	  **label;
	int			n,
				cap;
} file_list;

static void
usage(FILE *out)
{
	fprintf(out,
			"usage: openface [options] embed FILE...\n"
			"       openface [options] detect FILE...\n"
			"       openface [options] identify [--tolerance T] KNOWN FILE...\n"
			"       openface [options] chip FILE OUT.png\n"
			"       openface [options] bench FILE...\n"
			"\n"
			"A FILE may be a folder: its .jpg, .jpeg, .png, .heic, .heif and .webp files are\n"
			"taken recursively, in sorted order. One tab-separated line per face, faces\n"
			"numbered from 1:\n"
			"  embed     file, face, score, x, y, width, height, embedding as [x1,...,x128]\n"
			"  detect    file, face, score, x, y, width, height [, 136 landmark coordinates]\n"
			"  identify  file, face, name (or unknown), distance to the nearest known face;\n"
			"            KNOWN is a folder of sub-folders named after the people, or of photos\n"
			"            named after them (alice.jpg); the most prominent face of each is used\n"
			"\n"
			"options (before or after the command):\n"
			"  -m FILE             model file (default $OPENFACE_MODEL_FILE, else the installed\n"
			"                      one, else models/openface.ofm)\n"
			"  --faceapi           face-api's standard flow exactly (detector 416, axis-aligned\n"
			"                      crop, EXIF orientation ignored)\n"
			"  --align MODE        faceapi | similarity (default similarity)\n"
			"  --input-size N      detector input size, multiple of 32 (default 416)\n"
			"  --min-score S       detection score threshold (default 0.5)\n"
			"  --single-pass       only the main detector pass (no extra scales/canvas passes)\n"
			"  --whole-decode      detect on the whole decode, not a DCT-scaled one\n"
			"  --tolerance T       identify: largest distance that names a person (default %.2g)\n"
			"  -l                  detect: also print the 68 landmarks\n"
			"  -n                  embed: L2-normalise the descriptors\n"
			"  -s N                chip: size in pixels (default 150)\n"
			"  -r N                bench: runs per file (default 5)\n"
			"  -h, --help          this text\n"
			"\n"
			"exit status: 0 all good, 1 an error (unreadable file, bad image, no model),\n"
			"             2 bad usage, 3 no error but some photo had no face\n",
			SAME_PERSON_DISTANCE);
}

/* An error outranks a photo without a face, which outranks success. */
static int
merge_status(int a, int b)
{
	if (a == EXIT_ERROR || b == EXIT_ERROR)
		return EXIT_ERROR;
	return a == EXIT_NO_FACE || b == EXIT_NO_FACE ? EXIT_NO_FACE : EXIT_ALL_GOOD;
}

static void
no_face(const char *path)
{
	fprintf(stderr, "openface: %s: no face found\n", path);
}

static int
list_add(file_list *l, const char *path, const char *label)
{
	if (l->n == l->cap)
	{
		int			cap = l->cap ? l->cap * 2 : 64;
		char	  **p = realloc(l->path, (size_t) cap * sizeof(char *));
		char	  **q;

		if (p == NULL)
			return -1;
		l->path = p;
		q = realloc(l->label, (size_t) cap * sizeof(char *));
		if (q == NULL)
			return -1;
		l->label = q;
		l->cap = cap;
	}
	l->path[l->n] = strdup(path);
	l->label[l->n] = label ? strdup(label) : NULL;
	if (l->path[l->n] == NULL || (label && l->label[l->n] == NULL))
	{
		free(l->path[l->n]);
		free(l->label[l->n]);
		return -1;
	}
	l->n++;
	return 0;
}

static void
list_free(file_list *l)
{
	for (int i = 0; i < l->n; i++)
	{
		free(l->path[i]);
		free(l->label[i]);
	}
	free(l->path);
	free(l->label);
	memset(l, 0, sizeof(*l));
}

static int
is_image_name(const char *name)
{
	static const char *const exts[] = {".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp"};
	const char *dot = strrchr(name, '.');

	if (dot == NULL || dot == name)
		return 0;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot, exts[i]) == 0)
			return 1;
	return 0;
}

static char *
join_path(const char *dir, const char *name)
{
	size_t		dl = strlen(dir);
	int			slash = dl > 0 && dir[dl - 1] == '/';
	char	   *p = malloc(dl + strlen(name) + 2);

	if (p)
		sprintf(p, "%s%s%s", dir, slash ? "" : "/", name);
	return p;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The entries of dir, sorted bytewise (the order does not depend on the
 * locale), without hidden ones ("." , "..", editors' and macOS's dot files).
 * Returns the count, or -1 after printing why.
 */
static int
read_folder(const char *dir, char ***names)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	char	  **v = NULL;
	int			n = 0,
				cap = 0;

	*names = NULL;
	if (d == NULL)
	{
		fprintf(stderr, "openface: cannot open folder %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL)
	{
		if (e->d_name[0] == '.')
			continue;
		if (n == cap)
		{
			char	  **t;

			cap = cap ? cap * 2 : 64;
			t = realloc(v, (size_t) cap * sizeof(char *));
			if (t == NULL)
				break;
			v = t;
		}
		if ((v[n] = strdup(e->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (e != NULL)
	{
		fprintf(stderr, "openface: out of memory listing %s\n", dir);
		for (int i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return -1;
	}
	qsort(v, (size_t) n, sizeof(char *), compare_names);
	*names = v;
	return n;
}

static void
free_names(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Add the image files under dir (recursively, sorted) to out, each with
 * label.  Symbolic links to folders are not followed, so a link cycle cannot
 * make the walk endless.  Returns EXIT_ALL_GOOD or EXIT_ERROR.
 */
static int
walk_folder(const char *dir, const char *label, file_list *out)
{
	char	  **names;
	int			n = read_folder(dir, &names),
				rc = EXIT_ALL_GOOD;

	if (n < 0)
		return EXIT_ERROR;
	for (int i = 0; i < n; i++)
	{
		char	   *p = join_path(dir, names[i]);
		struct stat st,
					lst;

		if (p == NULL || stat(p, &st) != 0 || lstat(p, &lst) != 0)
		{
			fprintf(stderr, "openface: cannot read %s: %s\n", p ? p : names[i],
					p ? strerror(errno) : "out of memory");
			rc = EXIT_ERROR;
		}
		else if (S_ISDIR(st.st_mode))
		{
			if (!S_ISLNK(lst.st_mode))
				rc = merge_status(rc, walk_folder(p, label, out));
		}
		else if (S_ISREG(st.st_mode) && is_image_name(names[i]) && list_add(out, p, label) != 0)
		{
			fprintf(stderr, "openface: out of memory listing %s\n", dir);
			rc = EXIT_ERROR;
		}
		free(p);
	}
	free_names(names, n);
	return rc;
}

/*
 * The photos the arguments name: a folder stands for its images, anything
 * else is taken as given (so a file without an image extension can still be
 * named, and a missing one is reported when it is read).
 */
static int
expand_args(int nargs, char **args, file_list *out)
{
	int			rc = EXIT_ALL_GOOD;

	for (int i = 0; i < nargs; i++)
	{
		struct stat st;

		if (stat(args[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = merge_status(rc, walk_folder(args[i], NULL, out));
		else if (list_add(out, args[i], NULL) != 0)
		{
			fprintf(stderr, "openface: out of memory\n");
			rc = EXIT_ERROR;
		}
	}
	return rc;
}

/*
 * identify's known people: each sub-folder of dir is a person (all images
 * below it), each image directly inside is a person named by its file name
 * without the extension.
 */
static int
list_known(const char *dir, file_list *out)
{
	char	  **names;
	int			n,
				rc = EXIT_ALL_GOOD;
	struct stat st;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
	{
		fprintf(stderr, "openface: identify: KNOWN must be a folder of known people: %s\n", dir);
		return EXIT_ERROR;
	}
	if ((n = read_folder(dir, &names)) < 0)
		return EXIT_ERROR;
	for (int i = 0; i < n; i++)
	{
		char	   *p = join_path(dir, names[i]);

		if (p == NULL || stat(p, &st) != 0)
		{
			fprintf(stderr, "openface: cannot read %s: %s\n", p ? p : names[i],
					p ? strerror(errno) : "out of memory");
			rc = EXIT_ERROR;
		}
		else if (S_ISDIR(st.st_mode))
			rc = merge_status(rc, walk_folder(p, names[i], out));
		else if (S_ISREG(st.st_mode) && is_image_name(names[i]))
		{
			*strrchr(names[i], '.') = '\0';
			if (list_add(out, p, names[i]) != 0)
			{
				fprintf(stderr, "openface: out of memory\n");
				rc = EXIT_ERROR;
			}
		}
		free(p);
	}
	free_names(names, n);
	return rc;
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
	int			rc = EXIT_ALL_GOOD;

	for (int i = 0; i < files->n; i++)
	{
		of_face    *faces;
		int			n;

		rc = merge_status(rc, photo_faces(c, m, files->path[i], 1, &faces, &n));
		for (int f = 0; f < n; f++)
		{
			const of_face *fc = &faces[f];

			printf("%s\t%d\t%.6f\t%.2f\t%.2f\t%.2f\t%.2f", files->path[i], f + 1, fc->score,
				   fc->x, fc->y, fc->w, fc->h);
			if (embed)
			{
				double		norm = 0,
							scale = 1;

				for (int k = 0; k < OF_DESCRIPTOR_DIM; k++)
					norm += (double) fc->descriptor[k] * fc->descriptor[k];
				if (c->normalise && norm > 0)
					scale = 1 / sqrt(norm);
				/* face_embedding's text form; 9 significant digits give back the same float4 */
				putchar('\t');
				for (int k = 0; k < OF_DESCRIPTOR_DIM; k++)
					printf("%c%.9g", k ? ',' : '[', (float) (fc->descriptor[k] * scale));
				putchar(']');
			}
			else if (c->landmarks)
			{
				putchar('\t');
				for (int k = 0; k < 2 * OF_LANDMARK_POINTS; k++)
					printf("%s%.3f", k ? " " : "", fc->landmarks[k]);
			}
			putchar('\n');
		}
		free(faces);
	}
	return rc;
}

/*
 * Name each face of the photos by the nearest known face, if it lies within
 * the tolerance; the known photos each give their most prominent face.
 */
static int
cmd_identify(const cli *c, of_models *m, const char *known_dir, const file_list *photos)
{
	file_list	known = {0};
	float	   *desc;
	const char **who;
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
		fprintf(stderr, "openface: identify: no known face in %s (expected sub-folders "
				"named after people, or photos named after them)\n", known_dir);
		rc = EXIT_ERROR;
		goto done;
	}
	for (int i = 0; i < photos->n; i++)
	{
		of_face    *faces;
		int			n;

		rc = merge_status(rc, photo_faces(c, m, photos->path[i], 1, &faces, &n));
		for (int f = 0; f < n; f++)
		{
			int			best = 0;
			float		dbest = INFINITY;

			for (int k = 0; k < nknown; k++)
			{
				float		d = of_l2_distance(faces[f].descriptor,
											   desc + (size_t) k * OF_DESCRIPTOR_DIM,
											   OF_DESCRIPTOR_DIM);

				if (d < dbest)
				{
					dbest = d;
					best = k;
				}
			}
			printf("%s\t%d\t%s\t%.4f\n", photos->path[i], f + 1,
				   dbest <= c->tolerance ? who[best] : "unknown", dbest);
		}
		free(faces);
	}
done:
	free(desc);
	free(who);
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
	static const char *names[NSTAGE] = {"decode", "detect", "landmarks", "align", "recognise", "total"};
	float	   *input = malloc((size_t) OF_RECOGNIZER_INPUT * OF_RECOGNIZER_INPUT * 3 * sizeof(float));
	double	   *t[NSTAGE];
	int			rc = EXIT_ALL_GOOD;

	/* per-stage numbers are for one core */
	openblas_set_num_threads(1);
	for (int s = 0; s < NSTAGE; s++)
		t[s] = calloc((size_t) c->runs, sizeof(double));
	printf("file\tfaces");
	for (int s = 0; s < NSTAGE; s++)
		printf("\t%s_ms", names[s]);
	printf("\n");
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
		printf("%s\t%d", files->path[i], nfaces);
		for (int s = 0; s < NSTAGE; s++)
			printf("\t%.2f", of_median(t[s], c->runs));
		printf("\n");
	}
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

int
main(int argc, char **argv)
{
	cli			c;
	int			npos = 0,
				nmin,
				rc;
	char	  **pos;
	const char *cmd;
	of_models  *m = NULL;
	file_list	files = {0};
	int			faceapi = 0,
				single = 0,
				whole = 0,
				input_size = 0,
				align = -1;
	double		min_score = -1,
				num;

	memset(&c, 0, sizeof(c));
	c.model = getenv("OPENFACE_MODEL_FILE");
	if (c.model != NULL && *c.model == 0)
		c.model = NULL;
	c.chip_size = 150;
	c.runs = 5;
	c.tolerance = SAME_PERSON_DISTANCE;
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
			else if (strcmp(a, "--align") == 0)
			{
				ok = strcmp(v, "faceapi") == 0 || strcmp(v, "similarity") == 0;
				align = strcmp(v, "faceapi") == 0 ? OF_ALIGN_FACEAPI : OF_ALIGN_SIMILARITY;
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
	cmd = pos[0];
	nmin = strcmp(cmd, "identify") == 0 || strcmp(cmd, "chip") == 0 ? 3 : 2;
	if (strcmp(cmd, "embed") != 0 && strcmp(cmd, "detect") != 0 && strcmp(cmd, "identify") != 0 &&
		strcmp(cmd, "chip") != 0 && strcmp(cmd, "bench") != 0)
	{
		free(pos);
		return bad_usage("unknown command", cmd);
	}
	if (npos < nmin || (strcmp(cmd, "chip") == 0 && npos != 3))
	{
		free(pos);
		return bad_usage("wrong number of files for", cmd);
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
	if (input_size > 0)
		c.opt.input_size = input_size;
	if (min_score >= 0)
		c.opt.min_score = min_score;
	if (open_models(c.model, &m) != 0)
	{
		free(pos);
		return EXIT_ERROR;
	}
	if (strcmp(cmd, "chip") == 0)
		rc = cmd_chip(&c, m, pos[1], pos[2]);
	else
	{
		/* identify's first file is the folder of known people */
		int			first = strcmp(cmd, "identify") == 0 ? 2 : 1;

		rc = expand_args(npos - first, pos + first, &files);
		if (strcmp(cmd, "embed") == 0)
			rc = merge_status(rc, cmd_faces(&c, m, &files, 1));
		else if (strcmp(cmd, "detect") == 0)
			rc = merge_status(rc, cmd_faces(&c, m, &files, 0));
		else if (strcmp(cmd, "identify") == 0)
			rc = merge_status(rc, cmd_identify(&c, m, pos[1], &files));
		else
			rc = merge_status(rc, cmd_bench(&c, m, &files));
	}
	list_free(&files);
	of_models_close(m);
	free(pos);
	return rc;
}
