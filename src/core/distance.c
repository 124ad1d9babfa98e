#include "distance.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define OF_X86 1
#endif

float
of_l2_squared_scalar(const float *a, const float *b, size_t n)
{
	float		s = 0.0f;

	for (size_t i = 0; i < n; i++)
	{
		float		d = a[i] - b[i];

		s += d * d;
	}
	return s;
}

float
of_dot_scalar(const float *a, const float *b, size_t n)
{
	float		s = 0.0f;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

#ifdef OF_X86

__attribute__((target("avx2,fma")))
static float
hsum256(__m256 v)
{
	__m128		lo = _mm256_castps256_ps128(v);
	__m128		hi = _mm256_extractf128_ps(v, 1);

	lo = _mm_add_ps(lo, hi);
	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
	return _mm_cvtss_f32(lo);
}

__attribute__((target("avx2,fma")))
static float
l2_squared_avx2(const float *a, const float *b, size_t n)
{
	__m256		acc0 = _mm256_setzero_ps();
	__m256		acc1 = _mm256_setzero_ps();
	size_t		i = 0;
	float		s;

	/* Two accumulators hide the FMA latency. */
	for (; i + 16 <= n; i += 16)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		__m256		d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));

		acc0 = _mm256_fmadd_ps(d0, d0, acc0);
		acc1 = _mm256_fmadd_ps(d1, d1, acc1);
	}
	for (; i + 8 <= n; i += 8)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));

		acc0 = _mm256_fmadd_ps(d0, d0, acc0);
	}
	s = hsum256(_mm256_add_ps(acc0, acc1));
	for (; i < n; i++)
	{
		float		d = a[i] - b[i];

		s += d * d;
	}
	return s;
}

__attribute__((target("avx2,fma")))
static float
dot_avx2(const float *a, const float *b, size_t n)
{
	__m256		acc0 = _mm256_setzero_ps();
	__m256		acc1 = _mm256_setzero_ps();
	size_t		i = 0;
	float		s;

	for (; i + 16 <= n; i += 16)
	{
		acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
		acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
	}
	for (; i + 8 <= n; i += 8)
		acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
	s = hsum256(_mm256_add_ps(acc0, acc1));
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

__attribute__((target("avx512f")))
static float
l2_squared_avx512(const float *a, const float *b, size_t n)
{
	__m512		acc0 = _mm512_setzero_ps();
	__m512		acc1 = _mm512_setzero_ps();
	size_t		i = 0;

	for (; i + 32 <= n; i += 32)
	{
		__m512		d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
		__m512		d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));

		acc0 = _mm512_fmadd_ps(d0, d0, acc0);
		acc1 = _mm512_fmadd_ps(d1, d1, acc1);
	}
	if (i < n)
	{
		/* Masked loads read nothing past the end, whatever the alignment. */
		for (; i < n; i += 16)
		{
			__mmask16	m = (n - i >= 16) ? (__mmask16) 0xFFFF
				: (__mmask16) ((1u << (n - i)) - 1);
			__m512		d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i),
										  _mm512_maskz_loadu_ps(m, b + i));

			acc0 = _mm512_fmadd_ps(d, d, acc0);
		}
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

__attribute__((target("avx512f")))
static float
dot_avx512(const float *a, const float *b, size_t n)
{
	__m512		acc0 = _mm512_setzero_ps();
	__m512		acc1 = _mm512_setzero_ps();
	size_t		i = 0;

	for (; i + 32 <= n; i += 32)
	{
		acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
		acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
	}
	for (; i < n; i += 16)
	{
		__mmask16	m = (n - i >= 16) ? (__mmask16) 0xFFFF
			: (__mmask16) ((1u << (n - i)) - 1);

		acc0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i),
							   _mm512_maskz_loadu_ps(m, b + i), acc0);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}
#endif							/* OF_X86 */

typedef float (*pair_kernel) (const float *, const float *, size_t);

static pair_kernel l2_kernel;
static pair_kernel dot_kernel;
static const char *isa_name;

/*
 * Resolved on first use.  A race between two threads only stores the same
 * pointers twice, so no lock is needed.
 */
static void
resolve(void)
{
#ifdef OF_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
	{
		dot_kernel = dot_avx512;
		isa_name = "avx512";
		l2_kernel = l2_squared_avx512;
		return;
	}
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
	{
		dot_kernel = dot_avx2;
		isa_name = "avx2";
		l2_kernel = l2_squared_avx2;
		return;
	}
#endif
	dot_kernel = of_dot_scalar;
	isa_name = "scalar";
	l2_kernel = of_l2_squared_scalar;
}

float
of_l2_squared(const float *a, const float *b, size_t n)
{
	if (l2_kernel == NULL)
		resolve();
	return l2_kernel(a, b, n);
}

float
of_dot(const float *a, const float *b, size_t n)
{
	if (dot_kernel == NULL)
		resolve();
	return dot_kernel(a, b, n);
}

float
of_l2_distance(const float *a, const float *b, size_t n)
{
	return sqrtf(of_l2_squared(a, b, n));
}

double
of_cosine_distance(const float *a, const float *b, size_t n)
{
	double		ab = of_dot(a, b, n);
	double		aa = of_dot(a, a, n);
	double		bb = of_dot(b, b, n);
	double		sim;

	if (aa == 0.0 || bb == 0.0)
		return NAN;
	sim = ab / sqrt(aa * bb);
	/* Rounding can push |sim| slightly past 1. */
	if (sim > 1.0)
		sim = 1.0;
	else if (sim < -1.0)
		sim = -1.0;
	return 1.0 - sim;
}

int
of_distance_use_isa(const char *name)
{
	resolve();
#ifdef OF_X86
	if (strcmp(name, "avx512") == 0 && __builtin_cpu_supports("avx512f"))
	{
		dot_kernel = dot_avx512;
		isa_name = "avx512";
		l2_kernel = l2_squared_avx512;
		return 1;
	}
	if (strcmp(name, "avx2") == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
	{
		dot_kernel = dot_avx2;
		isa_name = "avx2";
		l2_kernel = l2_squared_avx2;
		return 1;
	}
#endif
	if (strcmp(name, "scalar") == 0)
	{
		dot_kernel = of_dot_scalar;
		isa_name = "scalar";
		l2_kernel = of_l2_squared_scalar;
		return 1;
	}
	return 0;
}

const char *
of_distance_isa(void)
{
	if (isa_name == NULL)
		resolve();
	return isa_name;
}
