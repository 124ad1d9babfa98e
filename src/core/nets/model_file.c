/*
 * Writing, mapping and validating the converted model file (format in
 * model_file.h).  Everything read from the file is checked before use:
 * a truncated or corrupt file yields OF_ECORRUPT, never a bad access.
 */
#define _POSIX_C_SOURCE 200809L

#include "nets/model_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_SIZE 64
#define BYTE_ORDER_MARK 0x01020304u
#define MAX_TENSORS 4096
#define MAX_FILE_SIZE ((uint64_t) 1 << 32)

typedef struct mf_header
{
	char		magic[8];
	uint32_t	version;
	uint32_t	byte_order;
	uint32_t	count;
	uint32_t	reserved;
	uint64_t	file_size;
	uint64_t	table_offset;
	uint64_t	data_offset;
	uint64_t	checksum;
	uint64_t	reserved2;
} mf_header;

_Static_assert(sizeof(mf_header) == HEADER_SIZE, "header layout");
_Static_assert(sizeof(of_mf_entry) == 96, "table entry layout");

typedef struct mf_item
{
	of_mf_entry entry;
	float	   *data;
} mf_item;

struct of_mf_writer
{
	mf_item    *items;
	int			count;
	int			cap;
};

static uint64_t
round_up(uint64_t n)
{
	return (n + OF_MF_ALIGN - 1) / OF_MF_ALIGN * OF_MF_ALIGN;
}

/*
 * 64-bit multiply-xorshift over 8-byte words in four independent lanes
 * (fast enough to run on every open); len must be a multiple of 32.
 */
static uint64_t
checksum(const unsigned char *p, size_t len)
{
	const uint64_t k = 0x9E3779B97F4A7C15u;
	uint64_t	h[4] = {1, 2, 3, 4};

	for (size_t i = 0; i < len; i += 32)
		for (int l = 0; l < 4; l++)
		{
			uint64_t	w;

			memcpy(&w, p + i + 8 * l, 8);
			h[l] = (h[l] ^ w) * k;
			h[l] ^= h[l] >> 29;
		}
	return ((h[0] * k ^ h[1]) * k ^ h[2]) * k ^ h[3] ^ len;
}

/* ---------------------------------------------------------------- writer */

of_status
of_mf_writer_new(of_mf_writer **out, of_error *err)
{
	*out = calloc(1, sizeof(of_mf_writer));
	if (!*out)
		return of_fail(err, OF_ENOMEM, "out of memory");
	return OF_OK;
}

void
of_mf_writer_free(of_mf_writer *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->count; i++)
		free(w->items[i].data);
	free(w->items);
	free(w);
}

of_status
of_mf_add(of_mf_writer *w, const char *name, int ndim, const int *shape,
		  const float *data, of_error *err)
{
	mf_item    *it;
	uint64_t	count = 1;

	if (strlen(name) == 0 || strlen(name) >= OF_MF_MAX_NAME)
		return of_fail(err, OF_EINVAL, "bad tensor name \"%s\"", name);
	if (ndim < 1 || ndim > OF_MF_MAX_DIMS)
		return of_fail(err, OF_EINVAL, "tensor \"%s\": bad rank %d", name, ndim);
	for (int i = 0; i < ndim; i++)
	{
		if (shape[i] < 1)
			return of_fail(err, OF_EINVAL, "tensor \"%s\": bad shape", name);
		count *= (uint64_t) shape[i];
	}
	for (uint64_t i = 0; i < count; i++)
		if (data[i] - data[i] != 0.0f)	/* NaN or infinity */
			return of_fail(err, OF_ECORRUPT, "tensor \"%s\" has non-finite values", name);
	for (int i = 0; i < w->count; i++)
		if (strcmp(w->items[i].entry.name, name) == 0)
			return of_fail(err, OF_EINVAL, "duplicate tensor \"%s\"", name);
	if (w->count == MAX_TENSORS)
		return of_fail(err, OF_ELIMIT, "too many tensors");
	if (w->count == w->cap)
	{
		int			cap = w->cap ? 2 * w->cap : 64;
		mf_item    *grown = realloc(w->items, (size_t) cap * sizeof(mf_item));

		if (!grown)
			return of_fail(err, OF_ENOMEM, "out of memory");
		w->items = grown;
		w->cap = cap;
	}
	it = &w->items[w->count];
	memset(it, 0, sizeof(*it));
	it->data = malloc(count * sizeof(float));
	if (!it->data)
		return of_fail(err, OF_ENOMEM, "out of memory");
	memcpy(it->data, data, count * sizeof(float));
	strcpy(it->entry.name, name);
	it->entry.ndim = (uint32_t) ndim;
	for (int i = 0; i < ndim; i++)
		it->entry.shape[i] = (uint32_t) shape[i];
	it->entry.count = count;
	w->count++;
	return OF_OK;
}

of_status
of_mf_add_tfjs(of_mf_writer *w, const char *prefix, const of_tfjs_tensor *t, of_error *err)
{
	char		name[OF_MF_MAX_NAME + 8];
	int			n = snprintf(name, sizeof(name), "%s%s", prefix, t->name);

	if (n < 0 || n >= OF_MF_MAX_NAME)
		return of_fail(err, OF_EINVAL, "tensor name too long: %s%s", prefix, t->name);
	return of_mf_add(w, name, t->ndim, t->shape, t->data, err);
}

static int
cmp_item(const void *a, const void *b)
{
	return strcmp(((const mf_item *) a)->entry.name, ((const mf_item *) b)->entry.name);
}

of_status
of_mf_write(const of_mf_writer *w, const char *path, of_error *err)
{
	mf_item    *items;
	mf_header	h;
	uint64_t	table_end,
				data_size = 0;
	unsigned char *buf;
	char		tmp[4096];
	FILE	   *f;
	int			n;

	if (w->count == 0)
		return of_fail(err, OF_EINVAL, "no tensors to write");
	items = malloc((size_t) w->count * sizeof(mf_item));
	if (!items)
		return of_fail(err, OF_ENOMEM, "out of memory");
	memcpy(items, w->items, (size_t) w->count * sizeof(mf_item));
	qsort(items, (size_t) w->count, sizeof(mf_item), cmp_item);
	for (int i = 0; i < w->count; i++)
	{
		items[i].entry.offset = data_size;
		data_size += round_up(items[i].entry.count * sizeof(float));
	}

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, OF_MF_MAGIC, 8);
	h.version = OF_MF_VERSION;
	h.byte_order = BYTE_ORDER_MARK;
	h.count = (uint32_t) w->count;
	h.table_offset = HEADER_SIZE;
	table_end = HEADER_SIZE + (uint64_t) w->count * sizeof(of_mf_entry);
	h.data_offset = round_up(table_end);
	h.file_size = h.data_offset + data_size;

	buf = calloc(1, h.file_size);
	if (!buf)
	{
		free(items);
		return of_fail(err, OF_ENOMEM, "out of memory");
	}
	for (int i = 0; i < w->count; i++)
	{
		memcpy(buf + HEADER_SIZE + (size_t) i * sizeof(of_mf_entry), &items[i].entry,
			   sizeof(of_mf_entry));
		memcpy(buf + h.data_offset + items[i].entry.offset, items[i].data,
			   items[i].entry.count * sizeof(float));
	}
	free(items);
	h.checksum = checksum(buf + HEADER_SIZE, h.file_size - HEADER_SIZE);
	memcpy(buf, &h, sizeof(h));

	/* write beside the target and rename, so readers never see half a file */
	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t) n >= sizeof(tmp))
	{
		free(buf);
		return of_fail(err, OF_EINVAL, "output path too long");
	}
	f = fopen(tmp, "wb");
	if (!f)
	{
		free(buf);
		return of_fail(err, OF_EIO, "could not create \"%s\": %s", tmp, strerror(errno));
	}
	if (fwrite(buf, 1, h.file_size, f) != h.file_size || fclose(f) != 0)
	{
		free(buf);
		remove(tmp);
		return of_fail(err, OF_EIO, "could not write \"%s\"", tmp);
	}
	free(buf);
	if (rename(tmp, path) != 0)
	{
		remove(tmp);
		return of_fail(err, OF_EIO, "could not rename \"%s\" to \"%s\": %s", tmp, path,
					   strerror(errno));
	}
	return OF_OK;
}

/* ---------------------------------------------------------------- open */

static of_status
validate_table(of_models *m, const mf_header *h, of_error *err)
{
	uint64_t	data_size = h->file_size - h->data_offset;

	for (uint32_t i = 0; i < m->count; i++)
	{
		const of_mf_entry *e = &m->table[i];
		uint64_t	count = 1;

		if (memchr(e->name, '\0', OF_MF_MAX_NAME) == NULL || e->name[0] == '\0')
			return of_fail(err, OF_ECORRUPT, "model file: bad tensor name at entry %u", i);
		if (i > 0 && strcmp(m->table[i - 1].name, e->name) >= 0)
			return of_fail(err, OF_ECORRUPT, "model file: tensor table not sorted");
		if (e->ndim < 1 || e->ndim > OF_MF_MAX_DIMS)
			return of_fail(err, OF_ECORRUPT, "model file: tensor \"%s\" has bad rank", e->name);
		for (uint32_t d = 0; d < e->ndim; d++)
		{
			if (e->shape[d] < 1 || e->shape[d] > (1u << 24))
				return of_fail(err, OF_ECORRUPT, "model file: tensor \"%s\" has bad shape", e->name);
			count *= e->shape[d];
			if (count > data_size)
				return of_fail(err, OF_ECORRUPT, "model file: tensor \"%s\" too large", e->name);
		}
		if (count != e->count || e->offset % OF_MF_ALIGN != 0 ||
			e->offset > data_size || count * sizeof(float) > data_size - e->offset)
			return of_fail(err, OF_ECORRUPT, "model file: tensor \"%s\" out of bounds", e->name);
	}
	return OF_OK;
}

static of_status
validate(of_models *m, of_error *err)
{
	mf_header	h;
	uint64_t	table_end;

	if (m->size < HEADER_SIZE)
		return of_fail(err, OF_ECORRUPT, "model file is truncated");
	memcpy(&h, m->map, sizeof(h));
	if (memcmp(h.magic, OF_MF_MAGIC, 8) != 0)
		return of_fail(err, OF_EFORMAT, "not an openface model file");
	if (h.version != OF_MF_VERSION || h.byte_order != BYTE_ORDER_MARK)
		return of_fail(err, OF_EFORMAT, "model file version %u is not supported (expected %u, little-endian); re-run openface-convert",
					   h.version, OF_MF_VERSION);
	if (h.file_size != m->size)
		return of_fail(err, OF_ECORRUPT, "model file is %zu bytes, header says %llu (truncated?)",
					   m->size, (unsigned long long) h.file_size);
	if (h.count < 1 || h.count > MAX_TENSORS || h.table_offset != HEADER_SIZE ||
		m->size % OF_MF_ALIGN != 0 || h.data_offset % OF_MF_ALIGN != 0)
		return of_fail(err, OF_ECORRUPT, "model file header is corrupt");
	table_end = HEADER_SIZE + (uint64_t) h.count * sizeof(of_mf_entry);
	if (table_end > h.data_offset || h.data_offset > m->size)
		return of_fail(err, OF_ECORRUPT, "model file header is corrupt");
	/* fuzzers skip the checksum so that mutated files reach the checks after it */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	if (checksum(m->map + HEADER_SIZE, m->size - HEADER_SIZE) != h.checksum)
		return of_fail(err, OF_ECORRUPT, "model file checksum mismatch (corrupt file)");
#endif

	m->table = (const of_mf_entry *) (m->map + HEADER_SIZE);
	m->count = h.count;
	m->data = m->map + h.data_offset;
	return validate_table(m, &h, err);
}

/* Validate buf as a model file and wrap it; on failure, a mapping is released. */
static of_status
models_wrap(const unsigned char *buf, size_t len, int mapped, of_models **out, of_error *err)
{
	of_models  *m = calloc(1, sizeof(*m));
	of_status	st;

	if (!m)
	{
		if (mapped)
			munmap((void *) buf, len);
		return of_fail(err, OF_ENOMEM, "out of memory");
	}
	m->map = buf;
	m->size = len;
	m->mapped = mapped;
	if ((st = validate(m, err)) != OF_OK)
	{
		of_models_close(m);
		return st;
	}
	*out = m;
	return OF_OK;
}

of_status
of_mf_open(const char *path, of_models **out, of_error *err)
{
	struct stat sb;
	void	   *map;
	int			fd;

	*out = NULL;
	if (!path)
		return of_fail(err, OF_EINVAL, "missing path");
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return of_fail(err, OF_EIO, "could not open model file \"%s\": %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0)
	{
		close(fd);
		return of_fail(err, OF_EIO, "could not stat \"%s\": %s", path, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
	{
		close(fd);
		return of_fail(err, OF_EIO, "\"%s\" is not a regular file", path);
	}
	if (sb.st_size < HEADER_SIZE || (uint64_t) sb.st_size > MAX_FILE_SIZE)
	{
		close(fd);
		return of_fail(err, OF_ECORRUPT, "\"%s\" has an impossible size for a model file", path);
	}
	map = mmap(NULL, (size_t) sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return of_fail(err, OF_EIO, "could not map \"%s\": %s", path, strerror(errno));
	return models_wrap(map, (size_t) sb.st_size, 1, out, err);
}

of_status
of_mf_open_memory(const void *buf, size_t len, of_models **out, of_error *err)
{
	*out = NULL;
	if (!buf || (uintptr_t) buf % OF_MF_ALIGN != 0)
		return of_fail(err, OF_EINVAL, "model file image must be %d-byte aligned", OF_MF_ALIGN);
	return models_wrap(buf, len, 0, out, err);
}

void
of_models_close(of_models *m)
{
	if (!m)
		return;
	if (m->mapped)
		munmap((void *) m->map, m->size);
	free(m);
}

const float *
of_models_tensor(const of_models *m, const char *name, int ndim, const int *shape,
				 of_error *err)
{
	uint32_t	lo = 0,
				hi = m->count;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;
		const of_mf_entry *e = &m->table[mid];
		int			c = strcmp(e->name, name);

		if (c < 0)
			lo = mid + 1;
		else if (c > 0)
			hi = mid;
		else
		{
			int			same = e->ndim == (uint32_t) ndim;

			for (int d = 0; same && d < ndim; d++)
				same = e->shape[d] == (uint32_t) shape[d];
			if (!same)
			{
				of_fail(err, OF_ECORRUPT, "model file: tensor \"%s\" has an unexpected shape", name);
				return NULL;
			}
			return (const float *) (m->data + e->offset);
		}
	}
	of_fail(err, OF_ECORRUPT, "model file: tensor \"%s\" is missing", name);
	return NULL;
}

void
of_mf_spec_set(of_mf_spec *spec, const char *name, int ndim, int d0, int d1, int d2, int d3)
{
	snprintf(spec->name, sizeof(spec->name), "%s", name);
	spec->ndim = ndim;
	spec->shape[0] = d0;
	spec->shape[1] = d1;
	spec->shape[2] = d2;
	spec->shape[3] = d3;
}

of_status
of_net_copy(const of_tfjs_model *src, const of_net_tensors *net, of_mf_writer *w, of_error *err)
{
	of_mf_spec	specs[OF_NET_MAX_TENSORS];

	if (net->count > OF_NET_MAX_TENSORS)
		return of_fail(err, OF_EINVAL, "net %s has too many tensors", net->prefix);
	net->specs(specs);
	for (int i = 0; i < net->count; i++)
	{
		const of_tfjs_tensor *t = of_tfjs_find(src, specs[i].name);
		int			same;
		of_status	st;

		if (!t)
			return of_fail(err, OF_ECORRUPT, "TF.js model lacks tensor \"%s\"", specs[i].name);
		same = t->ndim == specs[i].ndim;
		for (int d = 0; same && d < t->ndim; d++)
			same = t->shape[d] == specs[i].shape[d];
		if (!same)
			return of_fail(err, OF_ECORRUPT, "TF.js tensor \"%s\" has an unexpected shape",
						   specs[i].name);
		if ((st = of_mf_add_tfjs(w, net->prefix, t, err)) != OF_OK)
			return st;
	}
	return OF_OK;
}

of_status
of_net_bind(const of_models *m, const of_net_tensors *net, const float **ptrs, of_error *err)
{
	of_mf_spec	specs[OF_NET_MAX_TENSORS];

	if (net->count > OF_NET_MAX_TENSORS)
		return of_fail(err, OF_EINVAL, "net %s has too many tensors", net->prefix);
	net->specs(specs);
	for (int i = 0; i < net->count; i++)
	{
		char		name[OF_MF_MAX_NAME + 8];

		snprintf(name, sizeof(name), "%s%s", net->prefix, specs[i].name);
		ptrs[i] = of_models_tensor(m, name, specs[i].ndim, specs[i].shape, err);
		if (!ptrs[i])
			return OF_ECORRUPT;
	}
	return OF_OK;
}
