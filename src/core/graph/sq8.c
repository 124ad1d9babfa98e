#include "graph/sq8.h"

#include <math.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define OF_X86 1
#endif

of_status
of_sq8_train(of_sq8 *q, const float *vecs, size_t n, size_t dim, of_error *err)
{
	if (dim == 0 || dim > OF_SQ8_MAX_DIM)
		return of_fail(err, OF_EINVAL, "dimension %zu outside 1..%d", dim, OF_SQ8_MAX_DIM);
	q->dim = (uint32_t) dim;
	for (size_t j = 0; j < dim; j++)
	{
		float		lo = n ? vecs[j] : -1.0f;
		float		hi = n ? vecs[j] : 1.0f;

		for (size_t i = 1; i < n; i++)
		{
			float		v = vecs[i * dim + j];

			if (v < lo)
				lo = v;
			if (v > hi)
				hi = v;
		}
		q->lo[j] = lo;
		/* A constant dimension still needs a non-zero step to divide by. */
		q->step[j] = hi > lo ? (hi - lo) / 255.0f : 1e-6f;
	}
	return OF_OK;
}

float
of_sq8_encode(const of_sq8 *q, const float *x, uint8_t *code)
{
	double		r2 = 0.0;

	for (uint32_t j = 0; j < q->dim; j++)
	{
		float		t = (x[j] - q->lo[j]) / q->step[j];
		long		c = lrintf(t);
		double		e;

		if (c < 0)
			c = 0;
		if (c > 255)
			c = 255;
		code[j] = (uint8_t) c;
		e = (double) x[j] - ((double) q->lo[j] + (double) q->step[j] * (double) c);
		r2 += e * e;
	}
	/* Decoded values are computed in float elsewhere: allow for their rounding. */
	return nextafterf((float) (sqrt(r2) * (1.0 + 1e-5) + 1e-6), INFINITY);
}


void
of_sq8_prepare(const of_sq8 *q, const float *x, of_sq8_query *out)
{
	out->dim = q->dim;
	for (uint32_t j = 0; j < q->dim; j++)
	{
		out->qs[j] = (x[j] - q->lo[j]) / q->step[j];
		out->w[j] = q->step[j] * q->step[j];
	}
}

/* s plus the distance over dimensions j and on, one at a time (the SIMD kernels' tails). */
static inline float
l2sq_from(const of_sq8_query *qq, const uint8_t *code, uint32_t j, float s)
{
	for (; j < qq->dim; j++)
	{
		float		d = qq->qs[j] - (float) code[j];

		s += qq->w[j] * d * d;
	}
	return s;
}

static float
l2sq_scalar(const of_sq8_query *qq, const uint8_t *code)
{
	return l2sq_from(qq, code, 0, 0.0f);
}

#ifdef OF_X86
__attribute__((target("avx2,fma")))
static float
l2sq_avx2(const of_sq8_query *qq, const uint8_t *code)
{
	__m256		acc0 = _mm256_setzero_ps();
	__m256		acc1 = _mm256_setzero_ps();
	uint32_t	j = 0;
	float		s;
	__m128		lo,
				hi;

	for (; j + 16 <= qq->dim; j += 16)
	{
		__m128i		c16 = _mm_loadu_si128((const __m128i *) (code + j));
		__m256		c0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(c16));
		__m256		c1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(c16, 8)));
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(qq->qs + j), c0);
		__m256		d1 = _mm256_sub_ps(_mm256_loadu_ps(qq->qs + j + 8), c1);

		acc0 = _mm256_fmadd_ps(_mm256_mul_ps(d0, d0), _mm256_loadu_ps(qq->w + j), acc0);
		acc1 = _mm256_fmadd_ps(_mm256_mul_ps(d1, d1), _mm256_loadu_ps(qq->w + j + 8), acc1);
	}
	acc0 = _mm256_add_ps(acc0, acc1);
	lo = _mm256_castps256_ps128(acc0);
	hi = _mm256_extractf128_ps(acc0, 1);
	lo = _mm_add_ps(lo, hi);
	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
	s = _mm_cvtss_f32(lo);
	return l2sq_from(qq, code, j, s);
}

/*
 * Sixteen dimensions a step: half the conversions and arithmetic of the
 * AVX2 kernel.  Half of a build's time in l2sq_avx2 was that arithmetic,
 * the rest the wait for the code; 100k realistic rows (bench/graph_link,
 * one thread) linked in 18.3 / 18.3 s against 20.2 / 20.9, 200k on two
 * threads in 25.2 s against 28.3, the same recall@10.  Scans, where the
 * distance is a twentieth of the time, answered 1.6-2.1% fewer queries a
 * second with it (1M rows, four rounds interleaved; cause not pinned
 * down), so only of_sq8_l2_squared_wide uses it.
 */
__attribute__((target("avx512f")))
static float
l2sq_avx512(const of_sq8_query *qq, const uint8_t *code)
{
	__m512		acc0 = _mm512_setzero_ps();
	__m512		acc1 = _mm512_setzero_ps();
	uint32_t	j = 0;
	float		s;

	for (; j + 32 <= qq->dim; j += 32)
	{
		__m512		c0 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *) (code + j))));
		__m512		c1 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *) (code + j + 16))));
		__m512		d0 = _mm512_sub_ps(_mm512_loadu_ps(qq->qs + j), c0);
		__m512		d1 = _mm512_sub_ps(_mm512_loadu_ps(qq->qs + j + 16), c1);

		acc0 = _mm512_fmadd_ps(_mm512_mul_ps(d0, d0), _mm512_loadu_ps(qq->w + j), acc0);
		acc1 = _mm512_fmadd_ps(_mm512_mul_ps(d1, d1), _mm512_loadu_ps(qq->w + j + 16), acc1);
	}
	s = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
	return l2sq_from(qq, code, j, s);
}
#endif

/* Whether the AVX2 kernels can run here. */
static int
has_avx2_fma(void)
{
#ifdef OF_X86
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return 0;
#endif
}

static void
decode_scalar(const of_sq8 *q, const uint8_t *code, float *out)
{
	for (uint32_t j = 0; j < q->dim; j++)
		out[j] = q->lo[j] + q->step[j] * (float) code[j];
}

#ifdef OF_X86
/* The in-memory build decodes a vector per candidate it prunes against. */
__attribute__((target("avx2,fma")))
static void
decode_avx2(const of_sq8 *q, const uint8_t *code, float *out)
{
	uint32_t	j = 0;

	for (; j + 8 <= q->dim; j += 8)
	{
		__m256		c = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *) (code + j))));

		_mm256_storeu_ps(out + j, _mm256_fmadd_ps(c, _mm256_loadu_ps(q->step + j),
												  _mm256_loadu_ps(q->lo + j)));
	}
	for (; j < q->dim; j++)
		out[j] = q->lo[j] + q->step[j] * (float) code[j];
}
#endif

void
of_sq8_decode(const of_sq8 *q, const uint8_t *code, float *out)
{
	/* Benign race: every thread computes the same pointer. */
	static void (*kernel) (const of_sq8 *, const uint8_t *, float *);

	if (kernel == NULL)
	{
		kernel = decode_scalar;
#ifdef OF_X86
		if (has_avx2_fma())
			kernel = decode_avx2;
#endif
	}
	kernel(q, code, out);
}

typedef float (*sq8_kernel) (const of_sq8_query *, const uint8_t *);

static sq8_kernel
pick_kernel(int wide)
{
	(void) wide;				/* no wider kernel off x86 */
#ifdef OF_X86
	__builtin_cpu_init();
	if (wide && __builtin_cpu_supports("avx512f"))
		return l2sq_avx512;
	if (has_avx2_fma())
		return l2sq_avx2;
#endif
	return l2sq_scalar;
}

/* The plain and the wide kernel, each picked on first use. */
static sq8_kernel kernels[2];

static inline float
l2sq_dispatch(int wide, const of_sq8_query *qq, const uint8_t *code)
{
	/* Benign race: every thread computes the same pointer. */
	if (kernels[wide] == NULL)
		kernels[wide] = pick_kernel(wide);
	return kernels[wide] (qq, code);
}

float
of_sq8_l2_squared(const of_sq8_query *qq, const uint8_t *code)
{
	return l2sq_dispatch(0, qq, code);
}

float
of_sq8_l2_squared_wide(const of_sq8_query *qq, const uint8_t *code)
{
	return l2sq_dispatch(1, qq, code);
}

float
of_sq8_l2_lower_bound(float code_l2sq, float resid)
{
	float		lb = sqrtf(code_l2sq > 0.0f ? code_l2sq : 0.0f) * (1.0f - 1e-5f) - resid - 1e-6f;

	return lb > 0.0f ? lb : 0.0f;
}
