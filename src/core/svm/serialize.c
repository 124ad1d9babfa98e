/*
 * The stored form of a model (the bytea in face_svm_model), little-endian,
 * checksummed; the layout is described at of_svm_serialize below.
 */
#include "svm/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SVM_MAGIC		0x5653464fu	/* "OFSV" little-endian */
#define SVM_VERSION		1u
#define SVM_HEADER		(6 * 4 + 6 * 8)

static void
put_u32(unsigned char **p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*(*p)++ = (unsigned char) (v >> (8 * i));
}

static void
put_u64(unsigned char **p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		*(*p)++ = (unsigned char) (v >> (8 * i));
}

static void
put_f32(unsigned char **p, float f)
{
	uint32_t	v;

	memcpy(&v, &f, 4);
	put_u32(p, v);
}

static void
put_f64(unsigned char **p, double d)
{
	uint64_t	v;

	memcpy(&v, &d, 8);
	put_u64(p, v);
}

static uint32_t
get_u32(const unsigned char **p)
{
	uint32_t	v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t) (*p)[i] << (8 * i);
	*p += 4;
	return v;
}

static uint64_t
get_u64(const unsigned char **p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t) (*p)[i] << (8 * i);
	*p += 8;
	return v;
}

static float
get_f32(const unsigned char **p)
{
	uint32_t	v = get_u32(p);
	float		f;

	memcpy(&f, &v, 4);
	return f;
}

static double
get_f64(const unsigned char **p)
{
	uint64_t	v = get_u64(p);
	double		d;

	memcpy(&d, &v, 8);
	return d;
}

/* FNV-1a: catches truncation and bit rot, not tampering. */
static uint32_t
checksum(const unsigned char *p, size_t n)
{
	uint32_t	h = 2166136261u;

	for (size_t i = 0; i < n; i++)
	{
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static int
all_finite(const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

/*
 * Layout (all little-endian):
 *   u32 magic "OFSV", u32 version, u32 dim, u32 nclass, u32 nexemplars, u32 0
 *   f64 C, f64 platt_a, f64 platt_b, f64 max_distance, f64 min_probability,
 *   f64 min_margin
 *   nclass x (dim f32 weights, f32 bias)
 *   nclass x u32 exemplar count
 *   nexemplars x dim f32
 *   u32 FNV-1a of everything before it
 */
size_t
of_svm_serialized_size(const of_svm_model *m)
{
	size_t		nex = m->ex_start[m->nclass];

	return SVM_HEADER + (size_t) m->nclass * (m->dim + 1) * 4 +
		(size_t) m->nclass * 4 + nex * m->dim * 4 + 4;
}

void
of_svm_serialize(const of_svm_model *m, unsigned char *buf)
{
	unsigned char *p = buf;
	uint32_t	nex = m->ex_start[m->nclass];

	put_u32(&p, SVM_MAGIC);
	put_u32(&p, SVM_VERSION);
	put_u32(&p, (uint32_t) m->dim);
	put_u32(&p, (uint32_t) m->nclass);
	put_u32(&p, nex);
	put_u32(&p, 0);
	put_f64(&p, m->C);
	put_f64(&p, m->platt_a);
	put_f64(&p, m->platt_b);
	put_f64(&p, m->thresholds.max_distance);
	put_f64(&p, m->thresholds.min_probability);
	put_f64(&p, m->thresholds.min_margin);
	for (int k = 0; k < m->nclass; k++)
	{
		for (size_t j = 0; j < m->dim; j++)
			put_f32(&p, m->w[(size_t) k * m->dim + j]);
		put_f32(&p, m->b[k]);
	}
	for (int k = 0; k < m->nclass; k++)
		put_u32(&p, m->ex_start[k + 1] - m->ex_start[k]);
	for (size_t i = 0; i < (size_t) nex * m->dim; i++)
		put_f32(&p, m->ex[i]);
	put_u32(&p, checksum(buf, (size_t) (p - buf)));
}

of_status
of_svm_deserialize(const unsigned char *buf, size_t len, of_svm_model **out,
				   of_error *err)
{
	const unsigned char *p = buf;
	uint32_t	magic,
				version,
				dim,
				nclass,
				nex,
				pad;
	size_t		need;
	of_svm_model *m;

	*out = NULL;
	if (len < SVM_HEADER + 4)
		return of_fail(err, OF_ECORRUPT, "SVM model is truncated (%zu bytes)", len);
	magic = get_u32(&p);
	version = get_u32(&p);
	dim = get_u32(&p);
	nclass = get_u32(&p);
	nex = get_u32(&p);
	pad = get_u32(&p);
	if (magic != SVM_MAGIC)
		return of_fail(err, OF_EFORMAT, "not an openface SVM model");
	if (version != SVM_VERSION)
		return of_fail(err, OF_EFORMAT, "unsupported SVM model version %u", version);
	if (dim == 0 || dim > 65536 || nclass < 2 || nclass > (1u << 24) ||
		nex > (1u << 28) || pad != 0)
		return of_fail(err, OF_ECORRUPT, "SVM model header is corrupt");
	need = SVM_HEADER + (size_t) nclass * (dim + 1) * 4 + (size_t) nclass * 4 +
		(size_t) nex * dim * 4 + 4;
	if (len != need)
		return of_fail(err, OF_ECORRUPT, "SVM model has %zu bytes, expected %zu", len, need);
	/* fuzzers skip the checksum so that mutated models reach the checks after it */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	{
		const unsigned char *q = buf + len - 4;

		if (get_u32(&q) != checksum(buf, len - 4))
			return of_fail(err, OF_ECORRUPT, "SVM model checksum mismatch");
	}
#endif
	m = of_svm_model_alloc(dim, (int) nclass, nex);
	if (m == NULL)
		return of_fail(err, OF_ENOMEM, "out of memory loading an SVM model");
	m->C = get_f64(&p);
	m->platt_a = get_f64(&p);
	m->platt_b = get_f64(&p);
	m->thresholds.max_distance = get_f64(&p);
	m->thresholds.min_probability = get_f64(&p);
	m->thresholds.min_margin = get_f64(&p);
	for (uint32_t k = 0; k < nclass; k++)
	{
		for (uint32_t j = 0; j < dim; j++)
			m->w[(size_t) k * dim + j] = get_f32(&p);
		m->b[k] = get_f32(&p);
	}
	m->ex_start[0] = 0;
	for (uint32_t k = 0; k < nclass; k++)
	{
		uint32_t	c = get_u32(&p);

		if (c > nex - m->ex_start[k])
		{
			of_svm_free(m);
			return of_fail(err, OF_ECORRUPT, "SVM model exemplar counts are corrupt");
		}
		m->ex_start[k + 1] = m->ex_start[k] + c;
	}
	if (m->ex_start[nclass] != nex)
	{
		of_svm_free(m);
		return of_fail(err, OF_ECORRUPT, "SVM model exemplar counts are corrupt");
	}
	for (size_t i = 0; i < (size_t) nex * dim; i++)
		m->ex[i] = get_f32(&p);
	/* a NaN here would make every probability or distance NaN */
	if (!all_finite(m->w, (size_t) nclass * dim) || !all_finite(m->b, nclass) ||
		!all_finite(m->ex, (size_t) nex * dim) ||
		!isfinite(m->C) || !isfinite(m->platt_a) || !isfinite(m->platt_b))
	{
		of_svm_free(m);
		return of_fail(err, OF_ECORRUPT, "SVM model has non-finite parameters");
	}
	*out = m;
	return OF_OK;
}
