/*
 * TF.js weight manifests and shards -> dequantised float32 tensors.
 */
#include "nets/tfjs_weights.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/*
 * The reference rounds double(q)*scale + min to float32 once
 * (docs/networks.md §3); a fused multiply-add would skip the intermediate
 * double rounding, so forbid contraction in this file.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define MAX_FILE_BYTES ((size_t) 1 << 30)

float
of_tfjs_dequantize(unsigned char q, double scale, double min)
{
	double		prod = (double) q * scale;

	return (float) (prod + min);
}

static of_status
read_file(const char *path, unsigned char **out, size_t *len, of_error *err)
{
	FILE	   *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long		size;

	if (!f)
		return of_fail(err, OF_EIO, "could not open \"%s\": %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
	{
		fclose(f);
		return of_fail(err, OF_EIO, "could not seek \"%s\"", path);
	}
	if ((size_t) size > MAX_FILE_BYTES)
	{
		fclose(f);
		return of_fail(err, OF_ELIMIT, "\"%s\" is too large", path);
	}
	buf = malloc((size_t) size + 1);
	if (!buf)
	{
		fclose(f);
		return of_fail(err, OF_ENOMEM, "out of memory reading \"%s\"", path);
	}
	if (fread(buf, 1, (size_t) size, f) != (size_t) size)
	{
		free(buf);
		fclose(f);
		return of_fail(err, OF_EIO, "could not read \"%s\"", path);
	}
	fclose(f);
	buf[size] = '\0';
	*out = buf;
	*len = (size_t) size;
	return OF_OK;
}

static of_status
join_path(char *dst, size_t cap, const char *dir, const char *name, of_error *err)
{
	int			n = snprintf(dst, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t) n >= cap)
		return of_fail(err, OF_EINVAL, "path too long: %s/%s", dir, name);
	return OF_OK;
}

/* Concatenate a group's shards; they are one logical byte stream. */
static of_status
read_shards(const char *dir, const cJSON *paths, unsigned char **out, size_t *len,
			of_error *err)
{
	unsigned char *all = NULL;
	size_t		total = 0;
	const cJSON *p;

	if (!cJSON_IsArray(paths) || cJSON_GetArraySize(paths) < 1)
		return of_fail(err, OF_ECORRUPT, "manifest group without \"paths\"");
	cJSON_ArrayForEach(p, paths)
	{
		char		full[4096];
		unsigned char *part,
				   *grown;
		size_t		plen;
		of_status	st;

		if (!cJSON_IsString(p) || strchr(p->valuestring, '/') || p->valuestring[0] == '.')
		{
			free(all);
			return of_fail(err, OF_ECORRUPT, "bad shard path in manifest");
		}
		if ((st = join_path(full, sizeof(full), dir, p->valuestring, err)) != OF_OK ||
			(st = read_file(full, &part, &plen, err)) != OF_OK)
		{
			free(all);
			return st;
		}
		grown = realloc(all, total + plen + 1);
		if (!grown)
		{
			free(part);
			free(all);
			return of_fail(err, OF_ENOMEM, "out of memory reading shards");
		}
		all = grown;
		memcpy(all + total, part, plen);
		total += plen;
		free(part);
	}
	*out = all;
	*len = total;
	return OF_OK;
}

static of_status
parse_shape(const cJSON *shape, of_tfjs_tensor *t, of_error *err)
{
	const cJSON *d;
	size_t		count = 1;

	if (!cJSON_IsArray(shape) || cJSON_GetArraySize(shape) > OF_TFJS_MAX_DIMS)
		return of_fail(err, OF_EFORMAT, "tensor \"%s\": unsupported shape", t->name);
	t->ndim = 0;
	cJSON_ArrayForEach(d, shape)
	{
		if (!cJSON_IsNumber(d) || d->valuedouble < 1 || d->valuedouble > 1 << 24 ||
			d->valuedouble != (double) d->valueint)
			return of_fail(err, OF_ECORRUPT, "tensor \"%s\": bad dimension", t->name);
		t->shape[t->ndim++] = d->valueint;
		count *= (size_t) d->valueint;
		if (count > ((size_t) 1 << 28))
			return of_fail(err, OF_ELIMIT, "tensor \"%s\" is too large", t->name);
	}
	t->count = count;
	return OF_OK;
}

/* Decode one manifest entry from bin[*pos..len), advancing *pos. */
static of_status
decode_tensor(const cJSON *w, const unsigned char *bin, size_t len, size_t *pos,
			  of_tfjs_tensor *t, of_error *err)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(w, "name");
	const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(w, "dtype");
	const cJSON *quant = cJSON_GetObjectItemCaseSensitive(w, "quantization");
	size_t		nbytes;
	of_status	st;

	if (!cJSON_IsString(name) || strlen(name->valuestring) >= OF_TFJS_MAX_NAME)
		return of_fail(err, OF_ECORRUPT, "manifest entry without a usable name");
	strcpy(t->name, name->valuestring);
	if (!cJSON_IsString(dtype) || strcmp(dtype->valuestring, "float32") != 0)
		return of_fail(err, OF_EFORMAT, "tensor \"%s\": only float32 is supported", t->name);
	if ((st = parse_shape(cJSON_GetObjectItemCaseSensitive(w, "shape"), t, err)) != OF_OK)
		return st;

	t->quantized = quant != NULL;
	nbytes = t->quantized ? t->count : t->count * sizeof(float);
	if (nbytes > len - *pos)
		return of_fail(err, OF_ECORRUPT, "weights file too short for tensor \"%s\"", t->name);
	t->data = malloc(t->count * sizeof(float));
	if (!t->data)
		return of_fail(err, OF_ENOMEM, "out of memory for tensor \"%s\"", t->name);

	if (t->quantized)
	{
		const cJSON *qd = cJSON_GetObjectItemCaseSensitive(quant, "dtype");
		const cJSON *scale = cJSON_GetObjectItemCaseSensitive(quant, "scale");
		const cJSON *min = cJSON_GetObjectItemCaseSensitive(quant, "min");

		if (!cJSON_IsString(qd) || strcmp(qd->valuestring, "uint8") != 0)
			return of_fail(err, OF_EFORMAT, "tensor \"%s\": only uint8 quantisation is supported", t->name);
		if (!cJSON_IsNumber(scale) || !cJSON_IsNumber(min))
			return of_fail(err, OF_ECORRUPT, "tensor \"%s\": bad quantisation", t->name);
		for (size_t i = 0; i < t->count; i++)
			t->data[i] = of_tfjs_dequantize(bin[*pos + i], scale->valuedouble, min->valuedouble);
	}
	else
		memcpy(t->data, bin + *pos, nbytes);	/* little-endian host, unaligned source */
	*pos += nbytes;
	return OF_OK;
}

static of_status
load_groups(const char *dir, const cJSON *root, of_tfjs_model *m, of_error *err)
{
	const cJSON *g;
	int			n = 0;

	if (!cJSON_IsArray(root))
		return of_fail(err, OF_ECORRUPT, "manifest is not a JSON array");
	cJSON_ArrayForEach(g, root)
	{
		const cJSON *ws = cJSON_GetObjectItemCaseSensitive(g, "weights");

		if (!cJSON_IsArray(ws))
			return of_fail(err, OF_ECORRUPT, "manifest group without \"weights\"");
		n += cJSON_GetArraySize(ws);
	}
	if (n < 1)
		return of_fail(err, OF_ECORRUPT, "manifest lists no tensors");
	m->tensors = calloc((size_t) n, sizeof(of_tfjs_tensor));
	if (!m->tensors)
		return of_fail(err, OF_ENOMEM, "out of memory");

	cJSON_ArrayForEach(g, root)
	{
		unsigned char *bin = NULL;
		size_t		len = 0,
					pos = 0;
		const cJSON *w;
		of_status	st;

		if ((st = read_shards(dir, cJSON_GetObjectItemCaseSensitive(g, "paths"), &bin, &len, err)) != OF_OK)
			return st;
		cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(g, "weights"))
		{
			st = decode_tensor(w, bin, len, &pos, &m->tensors[m->count], err);
			m->count++;			/* count it even on failure: its data is freed */
			if (st != OF_OK)
			{
				free(bin);
				return st;
			}
		}
		free(bin);
		if (pos != len)
			return of_fail(err, OF_ECORRUPT, "weights file has %zu trailing bytes", len - pos);
	}
	return OF_OK;
}

of_status
of_tfjs_load(const char *dir, const char *model, of_tfjs_model **out, of_error *err)
{
	char		path[4096],
				file[512];
	unsigned char *json;
	size_t		jlen;
	cJSON	   *root;
	of_tfjs_model *m;
	of_status	st;
	int			n;

	*out = NULL;
	n = snprintf(file, sizeof(file), "%s-weights_manifest.json", model);
	if (n < 0 || (size_t) n >= sizeof(file))
		return of_fail(err, OF_EINVAL, "model name too long");
	if ((st = join_path(path, sizeof(path), dir, file, err)) != OF_OK ||
		(st = read_file(path, &json, &jlen, err)) != OF_OK)
		return st;
	root = cJSON_ParseWithLength((const char *) json, jlen);
	free(json);
	if (!root)
		return of_fail(err, OF_ECORRUPT, "\"%s\" is not valid JSON", path);
	m = calloc(1, sizeof(*m));
	if (!m)
	{
		cJSON_Delete(root);
		return of_fail(err, OF_ENOMEM, "out of memory");
	}
	st = load_groups(dir, root, m, err);
	cJSON_Delete(root);
	if (st != OF_OK)
	{
		of_tfjs_free(m);
		return st;
	}
	*out = m;
	return OF_OK;
}

void
of_tfjs_free(of_tfjs_model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->count; i++)
		free(m->tensors[i].data);
	free(m->tensors);
	free(m);
}

const of_tfjs_tensor *
of_tfjs_find(const of_tfjs_model *m, const char *name)
{
	for (int i = 0; i < m->count; i++)
		if (strcmp(m->tensors[i].name, name) == 0)
			return &m->tensors[i];
	return NULL;
}
