/*
 * Writes the seed inputs of the fuzz targets whose formats are produced by
 * the project itself, so the fuzzers start from real, valid data:
 *
 *   corpus_svm_model/    models trained on small synthetic data and
 *                        serialised (several dimensions, class counts,
 *                        exemplar limits and thresholds)
 *   corpus_model_file/   the real model file cut down: its header alone, its
 *                        header and tensor table, and a valid container of
 *                        the real file's small detector tensors
 *   corpus_embedding_io/ text forms (plain, spaced, exponents, hex) and the
 *                        binary form of one embedding
 *
 *   build/fuzz/gen_seeds models/openface.ofm test/fuzz    (make fuzz-seeds)
 *
 * Deterministic: the same sources give the same seeds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedding_io.h"
#include "nets/model_file.h"
#include "svm/svm.h"

/* small synthetic tensors keep the model-file seed small */
#define SEED_MAX_TENSOR 512

static unsigned rng_state = 12345;

/* uniform in [-1, 1), reproducible on every platform */
static float
rnd(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (float) ((rng_state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static void
die(const char *what, const of_error *err)
{
	fprintf(stderr, "gen_seeds: %s: %s\n", what, err ? err->msg : "failed");
	exit(1);
}

static void
write_file(const char *dir, const char *sub, const char *name, const void *p, size_t n)
{
	char		path[4096];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die(path, NULL);
}

/* nclass clusters of per_class points each, around random centres */
static void
svm_seed(const char *dir, const char *name, size_t dim, int nclass, int per_class,
		 int max_exemplars, double min_margin)
{
	size_t		n = (size_t) nclass * per_class;
	float	   *x = malloc(n * dim * sizeof(float));
	float	   *centre = malloc(dim * sizeof(float));
	int		   *y = malloc(n * sizeof(int));
	of_svm_params p;
	of_svm_model *m;
	of_error	err;
	unsigned char *buf;

	if (!x || !centre || !y)
		die(name, NULL);
	for (int k = 0; k < nclass; k++)
	{
		for (size_t j = 0; j < dim; j++)
			centre[j] = rnd();
		for (int i = 0; i < per_class; i++)
		{
			size_t		r = (size_t) k * per_class + i;

			y[r] = k;
			for (size_t j = 0; j < dim; j++)
				x[r * dim + j] = centre[j] + 0.1f * rnd();
		}
	}
	of_svm_params_default(&p);
	p.max_exemplars = max_exemplars;
	p.thresholds.min_margin = min_margin;
	if (of_svm_train(x, y, n, dim, nclass, &p, &m, NULL, &err) != OF_OK)
		die(name, &err);
	buf = malloc(of_svm_serialized_size(m));
	if (!buf)
		die(name, NULL);
	of_svm_serialize(m, buf);
	write_file(dir, "corpus_svm_model", name, buf, of_svm_serialized_size(m));
	free(buf);
	of_svm_free(m);
	free(x);
	free(centre);
	free(y);
}

static void
model_file_seeds(const char *model_path, const char *dir)
{
	of_models  *m;
	of_mf_writer *w;
	of_error	err;
	char		path[4096];
	size_t		table_end;

	if (of_models_open(model_path, &m, &err) != OF_OK)
		die(model_path, &err);
	write_file(dir, "corpus_model_file", "header_only", m->map, 64);
	table_end = (size_t) (m->data - m->map);
	write_file(dir, "corpus_model_file", "header_and_table", m->map, table_end);

	if (of_mf_writer_new(&w, &err) != OF_OK)
		die("writer", &err);
	for (uint32_t i = 0; i < m->count; i++)
	{
		const of_mf_entry *e = &m->table[i];
		int			shape[OF_MF_MAX_DIMS];

		if (strncmp(e->name, "det/", 4) != 0 || e->count > SEED_MAX_TENSOR)
			continue;
		for (uint32_t d = 0; d < e->ndim; d++)
			shape[d] = (int) e->shape[d];
		if (of_mf_add(w, e->name, (int) e->ndim, shape,
					  (const float *) (m->data + e->offset), &err) != OF_OK)
			die(e->name, &err);
	}
	snprintf(path, sizeof(path), "%s/corpus_model_file/small_detector_tensors", dir);
	if (of_mf_write(w, path, &err) != OF_OK)
		die(path, &err);
	of_mf_writer_free(w);
	of_models_close(m);
}

static void
text_seed(const char *dir, const char *name, const float *v, const char *fmt,
		  const char *sep)
{
	char		buf[OF_EMBEDDING_DIM * 40];
	size_t		at = 0;

	for (int i = 0; i < OF_EMBEDDING_DIM; i++)
	{
		at += (size_t) snprintf(buf + at, sizeof(buf) - at, "%s", i ? sep : "[");
		at += (size_t) snprintf(buf + at, sizeof(buf) - at, fmt, (double) v[i]);
	}
	at += (size_t) snprintf(buf + at, sizeof(buf) - at, "]");
	write_file(dir, "corpus_embedding_io", name, buf, at);
}

static void
embedding_seeds(const char *dir)
{
	float		v[OF_EMBEDDING_DIM];
	unsigned char bin[OF_EMBEDDING_BINARY_SIZE];

	for (int i = 0; i < OF_EMBEDDING_DIM; i++)
		v[i] = 0.2f * rnd();
	v[1] = 0.0f;
	v[2] = -0.0f;
	v[3] = 1e-40f;				/* denormal */
	text_seed(dir, "text_plain", v, "%.9g", ",");
	text_seed(dir, "text_spaced", v, " %.3f", " ,\t");
	text_seed(dir, "text_exponent", v, "%.6e", ",");
	text_seed(dir, "text_hex", v, "%a", ",");
	of_embedding_encode_binary(v, bin);
	write_file(dir, "corpus_embedding_io", "binary", bin, sizeof(bin));
}

int
main(int argc, char **argv)
{
	if (argc != 3)
	{
		fprintf(stderr, "usage: gen_seeds MODEL_FILE FUZZ_DIR\n");
		return 2;
	}
	svm_seed(argv[2], "dim2_class3", 2, 3, 4, 64, -INFINITY);
	svm_seed(argv[2], "dim8_class4_all_exemplars", 8, 4, 3, 0, 0.1);
	svm_seed(argv[2], "dim128_class2", 128, 2, 3, 2, -INFINITY);
	svm_seed(argv[2], "dim128_class5_one_exemplar", 128, 5, 2, 1, NAN);
	model_file_seeds(argv[1], argv[2]);
	embedding_seeds(argv[2]);
	return 0;
}
