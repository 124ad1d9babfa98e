/*
 * Detection and verification accuracy of the pipeline's configurations.
 *
 *   accuracy [-m MODEL] [--faces DIR] [--lfw DIR] [--limit N] [--jitter N] [--chip NAME]
 *            [--dump PREFIX]
 *
 * faces/ (labels.tsv: relpath, identity, expected face count): per folder,
 * images whose face count matches, faces found vs expected.
 * LFW view 1 (README there): per detector configuration, the share of images
 * with a face near the centre (the labelled person); then, for each
 * configuration x chip geometry x jitter x raw/L2-normalised descriptors, the
 * verification accuracy on pairs_test.tsv with the threshold that maximises
 * accuracy on pairs_train.tsv, at the fixed threshold 0.6 (on the test pairs
 * and on all 3,199 pairs: raw descriptors only, the threshold being theirs),
 * and over ten folds of all the pairs (pair i in fold i mod 10, the threshold
 * chosen on the nine others; mean and standard deviation).  A pair with an
 * image without a central face counts as "different" (no fallback box).
 * Also: how often each "most prominent face" rule picks the central face.
 *
 * Then bench/open_set's open-set identification tables (open_set.h) for
 * the default configuration's descriptors.
 *
 * --jitter N: for the default detector, also descriptors averaged over 1, 2,
 * 3, 5, 10 and 20 extra views (those <= N, default OF_PIPELINE_JITTER; each
 * view is one more recognizer run per image).  --chip NAME: only the
 * default detector, in that chip geometry (the jitter runs are long).
 * --dump PREFIX: write the default detector's descriptors for
 * bench/open_set (PREFIX-GEOMETRY-jN.tsv).
 */
#define _DEFAULT_SOURCE

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image.h"
#include "jitter.h"
#include "open_set.h"
#include "nets/landmark_post.h"
#include "nets/nets.h"
#include "pipeline.h"

#define NDET 4
#define NDET_LFW 2				/* LFW: face-api and the default (run time) */
#define NGEOM 3					/* chip geometries: the of_align_mode values */
#define NJIT 7					/* jitter checkpoints */
#define NFOLD 10
#define FIXED_THRESHOLD 0.6		/* the README's verification threshold */

static const int jitter_at[NJIT] = {0, 1, 2, 3, 5, 10, 20};
static const char *geom_names[NGEOM] = {"faceapi", "similarity", "dlib"};
static int	only_geom = -1;		/* --chip */

static const char *det_names[NDET] = {
	"416 (face-api)", "default (of_pipeline_options_init)",
	"416 + canvas 416 fill 0.5", "416 + canvas 224 fill 0.75"
};

static void
det_config(int k, of_pipeline_options *o)
{
	if (k == 1)
	{
		of_pipeline_options_init(o);
		return;
	}
	of_pipeline_options_faceapi(o);
	if (k >= 2)
	{
		o->npasses = 1;
		o->passes[0] = (of_detector_pass) {k == 2 ? 416 : 224, k == 2 ? 0.5 : 0.75, 0};
	}
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE	   *fp = fopen(path, "rb");
	unsigned char *buf;
	long		sz;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (sz = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0)
	{
		fclose(fp);
		return NULL;
	}
	buf = malloc((size_t) sz + 1);
	if (buf && fread(buf, 1, (size_t) sz, fp) != (size_t) sz)
	{
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	*len = (size_t) sz;
	return buf;
}

static int
load(const char *path, of_image *img)
{
	size_t		len;
	unsigned char *d = slurp(path, &len);
	of_error	err;
	of_status	st;

	if (d == NULL)
		return -1;
	st = of_image_decode(d, len, NULL, img, &err);
	free(d);
	return st == OF_OK ? 0 : -1;
}

/* ---------------------------------------------------------------- faces/ */

static void
run_faces(const of_models *m, const char *dir)
{
	char		path[1024],
				line[2048];
	FILE	   *fp;
	static const char *folders[] = {"people", "group", "noface", "others"};
	int			nimg[NDET][4] = {{0}},
				match[NDET][4] = {{0}},
				found[NDET][4] = {{0}},
				expect[NDET][4] = {{0}};

	snprintf(path, sizeof(path), "%s/labels.tsv", dir);
	fp = fopen(path, "r");
	if (fp == NULL)
	{
		fprintf(stderr, "accuracy: cannot read %s\n", path);
		return;
	}
	while (fgets(line, sizeof(line), fp))
	{
		char	   *rel = strtok(line, "\t\n"),
				   *ident = strtok(NULL, "\t\n"),
				   *cnt = strtok(NULL, "\t\n");
		int			folder = -1,
					want;
		of_image	img;

		if (rel == NULL || rel[0] == '#' || ident == NULL || cnt == NULL)
			continue;
		want = atoi(cnt);
		for (int f = 0; f < 4; f++)
			if (strncmp(rel, folders[f], strlen(folders[f])) == 0)
				folder = f;
		snprintf(path, sizeof(path), "%s/%s", dir, rel);
		if (folder < 0 || load(path, &img) != 0)
		{
			fprintf(stderr, "accuracy: skipping %s\n", path);
			continue;
		}
		printf("faces\t%s\texpected %d", rel, want);
		for (int k = 0; k < NDET; k++)
		{
			of_pipeline_options o;
			of_detection *d = NULL;
			int			n = 0;
			of_error	err;

			det_config(k, &o);
			if (of_pipeline_detect(m, &img, &o, &d, &n, &err) != OF_OK)
				fprintf(stderr, "accuracy: %s: %s\n", path, err.msg);
			free(d);
			nimg[k][folder]++;
			match[k][folder] += n == want;
			found[k][folder] += n;
			expect[k][folder] += want;
			printf("\t%d", n);
		}
		printf("\n");
		of_image_free(&img);
	}
	fclose(fp);
	printf("\n## faces/: images with the expected count; faces found / expected\n");
	for (int k = 0; k < NDET; k++)
	{
		printf("%-40s", det_names[k]);
		for (int f = 0; f < 4; f++)
			printf("  %s %d/%d (%d/%d)", folders[f], match[k][f], nimg[k][f], found[k][f], expect[k][f]);
		printf("\n");
	}
	fflush(stdout);
}

/* ---------------------------------------------------------------- LFW */

typedef struct lfw_image
{
	char		path[600];
	int			found[NDET];	/* any face / central face: bit 0 any, bit 1 central */
	int			prominent_ok[3];	/* rules: area*score, area, score pick the central face */
	double		box[5];			/* default detector's central face: x, y, w, h, score */
	int			multi;			/* >1 face (default config) */
	float		desc[NDET_LFW][NGEOM][NJIT][OF_DESCRIPTOR_DIM];
} lfw_image;

typedef struct pair
{
	int			same,
				a,
				b;
} pair;

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(((const lfw_image *) a)->path, ((const lfw_image *) b)->path);
}

static int
list_images(const char *root, lfw_image **out)
{
	char		dir[1024];
	DIR		   *d,
			   *sd;
	struct dirent *e,
			   *f;
	int			n = 0,
				cap = 0;
	lfw_image  *res = NULL;

	snprintf(dir, sizeof(dir), "%s/images", root);
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
	{
		char		sub[1400];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		sd = opendir(sub);
		if (sd == NULL)
			continue;
		while ((f = readdir(sd)) != NULL)
		{
			if (f->d_name[0] == '.')
				continue;
			if (n == cap)
			{
				cap = cap ? cap * 2 : 1024;
				res = realloc(res, (size_t) cap * sizeof(*res));
			}
			memset(&res[n], 0, sizeof(res[n]));
			snprintf(res[n].path, sizeof(res[n].path), "images/%s/%s", e->d_name, f->d_name);
			n++;
		}
		closedir(sd);
	}
	closedir(d);
	qsort(res, (size_t) n, sizeof(*res), cmp_path);
	*out = res;
	return n;
}

static int
find_image(lfw_image *imgs, int n, const char *path)
{
	lfw_image	key;
	lfw_image  *hit;

	snprintf(key.path, sizeof(key.path), "%s", path);
	hit = bsearch(&key, imgs, (size_t) n, sizeof(*imgs), cmp_path);
	return hit ? (int) (hit - imgs) : -1;
}

static int
load_pairs(const char *root, const char *name, lfw_image *imgs, int n, pair **out)
{
	char		path[1024],
				line[1400];
	FILE	   *fp;
	int			np = 0,
				cap = 0;
	pair	   *res = NULL;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	fp = fopen(path, "r");
	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp))
	{
		char	   *kind = strtok(line, "\t\n"),
				   *a = strtok(NULL, "\t\n"),
				   *b = strtok(NULL, "\t\n");
		int			ia,
					ib;

		if (!kind || !a || !b)
			continue;
		ia = find_image(imgs, n, a);
		ib = find_image(imgs, n, b);
		if (ia < 0 || ib < 0)
		{
			fprintf(stderr, "accuracy: pair with unknown image %s / %s\n", a, b);
			continue;
		}
		if (np == cap)
		{
			cap = cap ? cap * 2 : 1024;
			res = realloc(res, (size_t) cap * sizeof(*res));
		}
		res[np].same = strcmp(kind, "same") == 0;
		res[np].a = ia;
		res[np].b = ib;
		np++;
	}
	fclose(fp);
	*out = res;
	return np;
}

/* index of the face nearest the image centre, if its centre is within 20 % of the side */
static int
central_face(const of_face *f, int n, int W, int H)
{
	int			best = -1;
	double		bd = 1e300;

	for (int i = 0; i < n; i++)
	{
		double		dx = f[i].x + f[i].w / 2 - W / 2.0,
					dy = f[i].y + f[i].h / 2 - H / 2.0;
		double		d = dx * dx + dy * dy;

		if (d < bd)
		{
			bd = d;
			best = i;
		}
	}
	if (best >= 0 && sqrt(bd) > 0.2 * (W > H ? W : H))
		return -1;
	return best;
}

static double
pair_distance(const lfw_image *imgs, const pair *p, int k, int g, int j, int l2)
{
	const float *x = imgs[p->a].desc[k][g][j],
			   *y = imgs[p->b].desc[k][g][j];
	double		nx = 0,
				ny = 0,
				s = 0;

	if (!(imgs[p->a].found[k] & 2) || !(imgs[p->b].found[k] & 2))
		return INFINITY;
	for (int i = 0; i < OF_DESCRIPTOR_DIM; i++)
	{
		nx += (double) x[i] * x[i];
		ny += (double) y[i] * y[i];
	}
	nx = l2 ? sqrt(nx) : 1;
	ny = l2 ? sqrt(ny) : 1;
	for (int i = 0; i < OF_DESCRIPTOR_DIM; i++)
	{
		double		d = x[i] / nx - y[i] / ny;

		s += d * d;
	}
	return sqrt(s);
}

static double
accuracy_at(const double *d, const pair *p, int n, double thr)
{
	int			good = 0;

	for (int i = 0; i < n; i++)
		good += (d[i] < thr) == (p[i].same != 0);
	return (double) good / n;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* threshold (midpoint between consecutive distances) with the best accuracy */
static double
best_threshold(const double *d, const pair *p, int n, double *acc)
{
	double	   *s = malloc((size_t) n * sizeof(double));
	double		best = 0,
				bthr = 0;

	memcpy(s, d, (size_t) n * sizeof(double));
	qsort(s, (size_t) n, sizeof(double), cmp_dbl);
	for (int i = 0; i + 1 < n; i++)
	{
		double		t,
					a;

		if (!isfinite(s[i + 1]))
			break;
		t = (s[i] + s[i + 1]) / 2;
		a = accuracy_at(d, p, n, t);
		if (a > best)
		{
			best = a;
			bthr = t;
		}
	}
	free(s);
	*acc = best;
	return bthr;
}

/*
 * Descriptors of face in every chip geometry (or only geom), averaged over
 * the jitter checkpoints up to max_jitter views (views summed once, in order).
 */
static of_status
describe_all(const of_models *m, const of_image *img, of_face *face, float *input,
			 int geom, int max_jitter, float (*out)[NJIT][OF_DESCRIPTOR_DIM], of_error *err)
{
	for (int g = 0; g < NGEOM; g++)
	{
		double		sum[OF_DESCRIPTOR_DIM] = {0};
		float		one[OF_DESCRIPTOR_DIM];
		int			views,
					j = 0;

		if (geom >= 0 && g != geom)
			continue;
		if (of_pipeline_align(img, face, (of_align_mode) g, input, err) != OF_OK ||
			!face->descriptor_valid)
			return OF_EINVAL;
		views = of_pipeline_views(face, max_jitter);
		for (int k = 0; k <= max_jitter; k++)
		{
			if (k < views)
			{
				if (of_pipeline_view_descriptor(m, img, face, input, k, one, err) != OF_OK)
					return err->code;
				for (int d = 0; d < OF_DESCRIPTOR_DIM; d++)
					sum[d] += one[d];
			}
			if (j < NJIT && jitter_at[j] == k)
			{
				int			n = k < views ? k + 1 : views;

				for (int d = 0; d < OF_DESCRIPTOR_DIM; d++)
					out[g][j][d] = (float) (sum[d] / n);
				j++;
			}
		}
	}
	return OF_OK;
}

/* One row of the verification table: train/test split, fixed threshold, ten folds. */
static void
print_verification(const lfw_image *imgs, const pair *train, int ntrain, const pair *test,
				   int ntest, int k, int g, int j, int l2)
{
	int			nall = ntrain + ntest;
	double	   *dtr = malloc((size_t) ntrain * sizeof(double));
	double	   *dte = malloc((size_t) ntest * sizeof(double));
	double	   *dall = malloc((size_t) nall * sizeof(double));
	double	   *din = malloc((size_t) nall * sizeof(double));
	double	   *dout = malloc((size_t) nall * sizeof(double));
	pair	   *all = malloc((size_t) nall * sizeof(pair));
	pair	   *pin = malloc((size_t) nall * sizeof(pair));
	pair	   *pout = malloc((size_t) nall * sizeof(pair));
	double		tracc,
				thr,
				fsum = 0,
				fsq = 0;

	for (int i = 0; i < ntrain; i++)
		dtr[i] = pair_distance(imgs, &train[i], k, g, j, l2);
	for (int i = 0; i < ntest; i++)
		dte[i] = pair_distance(imgs, &test[i], k, g, j, l2);
	memcpy(all, train, (size_t) ntrain * sizeof(pair));
	memcpy(all + ntrain, test, (size_t) ntest * sizeof(pair));
	memcpy(dall, dtr, (size_t) ntrain * sizeof(double));
	memcpy(dall + ntrain, dte, (size_t) ntest * sizeof(double));
	for (int f = 0; f < NFOLD; f++)
	{
		int			nin = 0,
					nout = 0;
		double		a,
					t;

		for (int i = 0; i < nall; i++)
		{
			if (i % NFOLD == f)
			{
				dout[nout] = dall[i];
				pout[nout++] = all[i];
			}
			else
			{
				din[nin] = dall[i];
				pin[nin++] = all[i];
			}
		}
		t = best_threshold(din, pin, nin, &a);
		a = accuracy_at(dout, pout, nout, t);
		fsum += a;
		fsq += a * a;
	}
	thr = best_threshold(dtr, train, ntrain, &tracc);
	printf("%-34s %-10s %6d %-4s %9.4f %7.2f%% %7.2f%%", det_names[k], geom_names[g],
		   jitter_at[j], l2 ? "L2" : "raw", thr, 100 * tracc, 100 * accuracy_at(dte, test, ntest, thr));
	if (l2)
		printf(" %8s %8s", "", "");
	else
		printf(" %7.2f%% %7.2f%%", 100 * accuracy_at(dte, test, ntest, FIXED_THRESHOLD),
			   100 * accuracy_at(dall, all, nall, FIXED_THRESHOLD));
	printf(" %7.2f%% ± %.2f\n", 100 * fsum / NFOLD,
		   100 * sqrt(fmax(0, fsq / NFOLD - (fsum / NFOLD) * (fsum / NFOLD))));
	free(dtr);
	free(dte);
	free(dall);
	free(din);
	free(dout);
	free(all);
	free(pin);
	free(pout);
}

/*
 * The default detector's central faces as `openface embed` prints them, one
 * file PREFIX-GEOMETRY-jN.tsv per chip geometry and jitter (for open_set).
 */
static void
dump_descriptors(const lfw_image *imgs, int n, const char *prefix, int max_jitter)
{
	for (int g = 0; g < NGEOM; g++)
		for (int j = 0; j < NJIT && jitter_at[j] <= max_jitter; j++)
		{
			char		path[1024];
			FILE	   *fp;

			if (only_geom >= 0 && g != only_geom)
				continue;
			snprintf(path, sizeof(path), "%s-%s-j%d.tsv", prefix, geom_names[g], jitter_at[j]);
			if ((fp = fopen(path, "w")) == NULL)
			{
				perror(path);
				continue;
			}
			for (int i = 0; i < n; i++)
			{
				if (!(imgs[i].found[1] & 2))
					continue;
				fprintf(fp, "%s\t0\t%.6f\t%.2f\t%.2f\t%.2f\t%.2f\t", imgs[i].path, imgs[i].box[4],
						imgs[i].box[0], imgs[i].box[1], imgs[i].box[2], imgs[i].box[3]);
				for (int d = 0; d < OF_DESCRIPTOR_DIM; d++)
					fprintf(fp, "%s%.9g", d ? " " : "", imgs[i].desc[1][g][j][d]);
				fputc('\n', fp);
			}
			fclose(fp);
			fprintf(stderr, "accuracy: wrote %s\n", path);
		}
}

/*
 * bench/open_set's tables (open_set.h) for the default detector's central
 * faces, in the default chip (or --chip's) at the default jitter (or the
 * most measured, when less).
 */
static void
print_open_set(const lfw_image *imgs, int n, int max_jitter)
{
	int			g = only_geom >= 0 ? only_geom : OF_ALIGN_SIMILARITY,
				j = 0;
	real_set	rs;

	for (int c = 0; c < NJIT; c++)
		if (jitter_at[c] <= max_jitter && jitter_at[c] <= OF_PIPELINE_JITTER)
			j = c;
	memset(&rs, 0, sizeof(rs));
	rs.x = malloc(sizeof(float) * REAL_DIM * (size_t) n);
	rs.y = malloc(sizeof(int) * (size_t) n);
	for (int i = 0; i < n; i++)
	{
		char		dir[sizeof(imgs[i].path)];
		char	   *slash;

		if (!(imgs[i].found[1] & 2))
			continue;
		/* images/NAME/NAME_0001.jpg: the identity is NAME */
		snprintf(dir, sizeof(dir), "%s", strchr(imgs[i].path, '/') ? strchr(imgs[i].path, '/') + 1 : "");
		if ((slash = strchr(dir, '/')) != NULL)
			*slash = 0;
		memcpy(rs.x + rs.n * REAL_DIM, imgs[i].desc[1][g][j], sizeof(float) * REAL_DIM);
		rs.y[rs.n++] = real_identity(&rs, dir);
	}
	printf("\n## open-set identification (default detector, %s chip, jitter %d)\n",
		   geom_names[g], jitter_at[j]);
	open_set_report(&rs);
	free_real(&rs);
}

static void
run_lfw(const of_models *m, const char *root, int limit, int max_jitter, const char *dump)
{
	lfw_image  *imgs = NULL;
	int			n = list_images(root, &imgs),
				ntrain,
				ntest,
				any[NDET] = {0},
				central[NDET] = {0},
				multi = 0,
				prom[3] = {0};
	pair	   *train = NULL,
			   *test = NULL;
	float	   *input = malloc((size_t) OF_RECOGNIZER_INPUT * OF_RECOGNIZER_INPUT * 3 * sizeof(float));

	if (n == 0)
	{
		fprintf(stderr, "accuracy: no images under %s/images\n", root);
		free(input);
		return;
	}
	if (limit > 0 && limit < n)
		n = limit;
	for (int i = 0; i < n; i++)
	{
		char		path[2048];
		of_image	img;

		snprintf(path, sizeof(path), "%s/%s", root, imgs[i].path);
		if (load(path, &img) != 0)
		{
			fprintf(stderr, "accuracy: cannot decode %s\n", path);
			continue;
		}
		for (int k = only_geom >= 0 ? 1 : 0; k < NDET_LFW; k++)
		{
			of_pipeline_options o;
			of_detection *d = NULL;
			of_face    *faces = NULL;
			int			nd = 0,
						nf = 0,
						c;
			of_error	err;

			det_config(k, &o);
			if (of_pipeline_detect(m, &img, &o, &d, &nd, &err) != OF_OK)
				fprintf(stderr, "accuracy: %s: %s\n", path, err.msg);
			/* only box geometry matters to pick the central face; fill boxes first */
			faces = calloc((size_t) (nd ? nd : 1), sizeof(*faces));
			for (int j = 0; j < nd; j++)
			{
				of_rect		lc = of_landmark_crop(d[j].x, d[j].y, d[j].w, d[j].h, img.width, img.height);

				if (lc.w <= 0 || lc.h <= 0)
					continue;
				faces[nf].x = d[j].x;
				faces[nf].y = d[j].y;
				faces[nf].w = d[j].w;
				faces[nf].h = d[j].h;
				faces[nf].score = d[j].score;
				nf++;
			}
			if (nf > 0)
				imgs[i].found[k] |= 1;
			c = central_face(faces, nf, img.width, img.height);
			if (c >= 0)
			{
				of_face		face;
				of_detection det = d[0];

				/* recover the detection behind faces[c] */
				for (int j = 0; j < nd; j++)
					if (d[j].x == faces[c].x && d[j].y == faces[c].y)
						det = d[j];
				imgs[i].found[k] |= 2;
				if (k == 1)
				{
					imgs[i].box[0] = det.x;
					imgs[i].box[1] = det.y;
					imgs[i].box[2] = det.w;
					imgs[i].box[3] = det.h;
					imgs[i].box[4] = det.score;
				}
				if (of_pipeline_landmarks(m, &img, &det, &face, &err) != OF_OK ||
					describe_all(m, &img, &face, input, k == 1 ? only_geom : -1,
								 k == 1 ? max_jitter : 0,
								 imgs[i].desc[k], &err) != OF_OK)
					imgs[i].found[k] &= ~2;
				if (k == 1 && nf > 1)
				{
					int			r[3] = {-1, -1, -1};
					double		bv[3] = {-1, -1, -1};

					for (int j = 0; j < nf; j++)
					{
						double		v[3] = {faces[j].w * faces[j].h * faces[j].score,
						faces[j].w * faces[j].h, faces[j].score};

						for (int q = 0; q < 3; q++)
							if (v[q] > bv[q])
							{
								bv[q] = v[q];
								r[q] = j;
							}
					}
					imgs[i].multi = 1;
					for (int q = 0; q < 3; q++)
						imgs[i].prominent_ok[q] = r[q] == c;
				}
			}
			free(faces);
			free(d);
		}
		of_image_free(&img);
		if ((i + 1) % 500 == 0)
			fprintf(stderr, "accuracy: %d/%d images\n", i + 1, n);
	}

	for (int i = 0; i < n; i++)
	{
		for (int k = 0; k < NDET_LFW; k++)
		{
			any[k] += imgs[i].found[k] & 1;
			central[k] += (imgs[i].found[k] >> 1) & 1;
		}
		if (imgs[i].multi)
		{
			multi++;
			for (int q = 0; q < 3; q++)
				prom[q] += imgs[i].prominent_ok[q];
		}
	}
	printf("\n## LFW view 1: %d images\n", n);
	for (int k = only_geom >= 0 ? 1 : 0; k < NDET_LFW; k++)
		printf("%-40s any face %d (%.2f%%), central face %d (%.2f%%)\n", det_names[k],
			   any[k], 100.0 * any[k] / n, central[k], 100.0 * central[k] / n);
	printf("most prominent face = central face, on %d images with several faces (default detector):"
		   " area*score %d, area %d, score %d\n", multi, prom[0], prom[1], prom[2]);

	ntrain = load_pairs(root, "pairs_train.tsv", imgs, n, &train);
	ntest = load_pairs(root, "pairs_test.tsv", imgs, n, &test);
	printf("\n## verification: %d train pairs, %d test pairs (no central face = 'different')\n",
		   ntrain, ntest);
	printf("%-34s %-10s %6s %-4s %9s %8s %8s %8s %8s %15s\n", "detector", "chip", "jitter", "desc",
		   "threshold", "train", "test", "test@0.6", "all@0.6", "10-fold");
	if (ntrain > 1 && ntest > 0)
		for (int k = only_geom >= 0 ? 1 : 0; k < NDET_LFW; k++)
			for (int g = 0; g < NGEOM; g++)
			{
				if (k == 1 && only_geom >= 0 && g != only_geom)
					continue;
				for (int j = 0; j < NJIT && jitter_at[j] <= (k == 1 ? max_jitter : 0); j++)
					for (int l2 = 0; l2 < 2; l2++)
						print_verification(imgs, train, ntrain, test, ntest, k, g, j, l2);
			}
	if (dump)
		dump_descriptors(imgs, n, dump, max_jitter);
	print_open_set(imgs, n, max_jitter);
	free(train);
	free(test);
	free(imgs);
	free(input);
}

int
main(int argc, char **argv)
{
	const char *model = getenv("OPENFACE_MODEL_FILE");
	const char *faces = NULL,
			   *lfw = NULL,
			   *dump = NULL;
	int			limit = 0,
				max_jitter = OF_PIPELINE_JITTER;
	of_models  *m;
	of_error	err;

	if (model == NULL || *model == 0)
		model = "models/openface.ofm";
	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
			model = argv[++i];
		else if (strcmp(argv[i], "--faces") == 0 && i + 1 < argc)
			faces = argv[++i];
		else if (strcmp(argv[i], "--lfw") == 0 && i + 1 < argc)
			lfw = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			limit = atoi(argv[++i]);
		else if (strcmp(argv[i], "--jitter") == 0 && i + 1 < argc)
		{
			max_jitter = atoi(argv[++i]);
			max_jitter = max_jitter < 0 ? 0 : max_jitter > OF_JITTER_MAX ? OF_JITTER_MAX : max_jitter;
		}
		else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc)
			dump = argv[++i];
		else if (strcmp(argv[i], "--chip") == 0 && i + 1 < argc)
		{
			i++;
			for (int g = 0; g < NGEOM; g++)
				if (strcmp(argv[i], geom_names[g]) == 0)
					only_geom = g;
		}
		else
		{
			fprintf(stderr, "usage: accuracy [-m MODEL] [--faces DIR] [--lfw DIR] [--limit N] [--jitter N] [--chip NAME]\n"
					"                [--dump PREFIX]\n");
			return 2;
		}
	}
	if (of_models_open(model, &m, &err) != OF_OK)
	{
		fprintf(stderr, "accuracy: %s: %s\n", model, err.msg);
		return 1;
	}
	if (faces)
		run_faces(m, faces);
	if (lfw)
		run_lfw(m, lfw, limit, max_jitter, dump);
	of_models_close(m);
	return 0;
}
