/*
 * Network layers.  The heavy part (convolutions, pointwise 1x1) is a
 * matrix product: cblas_sgemm, or the small kernels below where packing
 * would cost OpenBLAS more than it saves.  The rest is written with
 * GCC/Clang vector extensions over the channel axis, which is innermost in
 * NHWC and a multiple of 16 in every layer of these networks, and compiled
 * per ISA level (target_clones) so one binary uses AVX-512/AVX2 where
 * present.
 */
#include "nets/layers.h"

#include <stdlib.h>
#include <string.h>

#include <cblas.h>

typedef float v16 __attribute__((vector_size(64), aligned(4)));
typedef int v16i __attribute__((vector_size(64), aligned(4)));

/*
 * Before clang 18 (llvm-project PR 71706) the dispatcher is only named
 * "f.ifunc", so calls from other files (which see plain declarations) do
 * not link; those compilers get the portable kernels.
 */
#if defined(__x86_64__) && (defined(__clang__) ? __clang_major__ >= 18 : __GNUC__ >= 8) && defined(__linux__)
#define KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KERNEL
#endif

/*
 * Let the compute kernels use FMA where the clone's ISA has it (these
 * sums are not bit-exact with the reference anyway; docs/networks.md
 * §2 and §10).  -std=c11 turns contraction off by default.
 */
#if defined(__clang__)
#define FAST_MATH_BEGIN _Pragma("clang fp contract(fast)")
#define CONTRACT
#elif defined(__GNUC__)
#define FAST_MATH_BEGIN
#define CONTRACT __attribute__((optimize("fp-contract=fast")))
#else
#define FAST_MATH_BEGIN
#define CONTRACT
#endif

#define VL 16

/* Target rows*K floats of im2col per sgemm call: stays in L2. */
#define COL_BLOCK_FLOATS (64 * 1024)

/*
 * Helpers are macros, not functions: a 64-byte vector argument would make
 * the compilers warn about the ABI of the non-AVX-512 clones.
 * Loads and stores go through memcpy (the data is not always aligned).
 */
#define LD(v, p) memcpy(&(v), (p), sizeof(v16))
#define ST(p, v) memcpy((p), &(v), sizeof(v16))
/* x must be a plain variable (evaluated twice) */
#define RELU16(x) ((v16) ((v16i) (x) & ((x) > 0.0f)))
#define MAX16(a, b) ((v16) (((v16i) (a) & ((a) > (b))) | ((v16i) (b) & ~((a) > (b)))))

/*
 * Passes that compare (activations, pooling) work on vectors of 8 floats:
 * on AVX2, GCC turns a comparison of 16-float vectors into one scalar
 * compare and cmov per lane (the detector took 12 ms instead of 8.2, the
 * recognizer 11 instead of 8.3), while 8-float comparisons stay vector
 * instructions on every target.  AVX-512 too runs these passes over memory
 * 8 floats wide now (not measured: no AVX-512 machine at hand).
 */
typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

#define VL8 8
#define LD8(v, p) memcpy(&(v), (p), sizeof(v8))
#define ST8(p, v) memcpy((p), &(v), sizeof(v8))
#define RELU8(x) ((v8) ((v8i) (x) & ((x) > 0.0f)))
#define MAX8(a, b) ((v8) (((v8i) (a) & ((a) > (b))) | ((v8i) (b) & ~((a) > (b)))))

static inline float
relu1(float x)
{
	return x > 0.0f ? x : 0.0f;
}

static inline float
leaky1(float x)
{
	float		m = x * 0.1f;

	return relu1(x - m) + m;
}

int
of_same_pad(int in, int k, int s, int *out)
{
	int			o = (in + s - 1) / s;
	int			total = (o - 1) * s + k - in;

	*out = o;
	return total > 0 ? total / 2 : 0;
}

int
of_valid_out(int in, int k, int s)
{
	return in < k ? 0 : (in - k) / s + 1;
}

KERNEL
void
of_bias_act(float *y, size_t p, int c, const float *bias, of_act act)
{
	const v8	tenth = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f};

	/* the detector's pointwise convolutions: nothing to add, no pass over their big maps */
	if (bias == NULL && act == OF_ACT_NONE)
		return;
	for (size_t i = 0; i < p; i++)
	{
		float	   *r = y + i * (size_t) c;
		int			j = 0;

		for (; j + VL8 <= c; j += VL8)
		{
			v8			x,
						b;

			LD8(x, r + j);
			if (bias)
			{
				LD8(b, bias + j);
				x += b;
			}
			if (act == OF_ACT_RELU)
				x = RELU8(x);
			else if (act == OF_ACT_LEAKY)
			{
				v8			m = x * tenth;
				v8			d = x - m;

				x = RELU8(d) + m;
			}
			ST8(r + j, x);
		}
		for (; j < c; j++)
		{
			float		x = r[j];

			if (bias)
				x += bias[j];
			if (act == OF_ACT_RELU)
				x = relu1(x);
			else if (act == OF_ACT_LEAKY)
				x = leaky1(x);
			r[j] = x;
		}
	}
}

size_t
of_conv2d_scratch(int oh, int ow, int kh, int kw, int ci)
{
	size_t		k = (size_t) kh * kw * ci;
	size_t		rows = COL_BLOCK_FLOATS / k;

	if (rows < (size_t) ow)
		rows = (size_t) ow;		/* at least one output row per block */
	if (rows > (size_t) oh * ow)
		rows = (size_t) oh * ow;
	return rows * k;
}

/*
 * im2col of output rows [oy0, oy1) over the tap window [ky0,ky1) x [kx0,kx1):
 * row (oy, ox) holds the (ky, kx, c) values, zeros outside the input.
 */
static void
im2col(const float *in, int h, int w, int ci, int ky0, int ky1, int kx0, int kx1,
	   int stride, int pad_top, int pad_left, int oy0, int oy1, int ow, float *col)
{
	int			kw = kx1 - kx0;
	size_t		krow = (size_t) kw * ci;

	for (int oy = oy0; oy < oy1; oy++)
		for (int ox = 0; ox < ow; ox++)
		{
			int			ix0 = ox * stride - pad_left + kx0;

			for (int ky = ky0; ky < ky1; ky++)
			{
				int			iy = oy * stride - pad_top + ky;
				const float *src = in + ((size_t) iy * w) * ci;

				if (iy < 0 || iy >= h)
					memset(col, 0, krow * sizeof(float));
				else if (ix0 >= 0 && ix0 + kw <= w)
					memcpy(col, src + (size_t) ix0 * ci, krow * sizeof(float));
				else
					for (int kx = 0; kx < kw; kx++)
					{
						int			ix = ix0 + kx;

						if (ix < 0 || ix >= w)
							memset(col + (size_t) kx * ci, 0, ci * sizeof(float));
						else
							memcpy(col + (size_t) kx * ci, src + (size_t) ix * ci, ci * sizeof(float));
					}
				col += krow;
			}
		}
}

/*
 * C[m][n] = A[m][k] . B[k][n] with n a multiple of 32: register tiles of
 * 8 rows x 32 columns reading B in place.  B is either row-major (ldb
 * floats per row) or, when pstride > 0, in 32-column panels: column j's
 * block starts at b + (j/32)*pstride and holds k rows of 32 floats.
 * Used where OpenBLAS would spend as long copying B (a layer's weights,
 * used by only a handful of pixels) into its packed layout as computing.
 */
#define SMALL_M 64

#define ROW_FMA(r) \
	do { \
		float		av = a[(r) * (size_t) lda + kk]; \
		acc[r][0] += av * b0; \
		acc[r][1] += av * b1; \
	} while (0)

KERNEL CONTRACT
static void
gemm_small(int m, int n, int k, const float *a0, int lda, const float *b, int ldb,
		   size_t pstride, float *c, int ldc)
{
	FAST_MATH_BEGIN
	for (int j = 0; j < n; j += 32)
	{
		const float *bj = pstride ? b + (size_t) (j / 32) * pstride : b + j;
		size_t		bs = pstride ? 32 : (size_t) ldb;
		int			i = 0;

		for (; i + 8 <= m; i += 8)
		{
			const float *a = a0 + (size_t) i * lda;
			v16			acc[8][2] = {{{0}}};
			v16			b0,
						b1;

			for (int kk = 0; kk < k; kk++)
			{
				LD(b0, bj + kk * bs);
				LD(b1, bj + kk * bs + 16);
				ROW_FMA(0);
				ROW_FMA(1);
				ROW_FMA(2);
				ROW_FMA(3);
				ROW_FMA(4);
				ROW_FMA(5);
				ROW_FMA(6);
				ROW_FMA(7);
			}
			for (int r = 0; r < 8; r++)
			{
				ST(c + (size_t) (i + r) * ldc + j, acc[r][0]);
				ST(c + (size_t) (i + r) * ldc + j + 16, acc[r][1]);
			}
		}
		for (; i < m; i++)
		{
			const float *a = a0 + (size_t) i * lda;
			v16			acc[1][2] = {{{0}}};
			v16			b0,
						b1;

			for (int kk = 0; kk < k; kk++)
			{
				LD(b0, bj + kk * bs);
				LD(b1, bj + kk * bs + 16);
				ROW_FMA(0);
			}
			ST(c + (size_t) i * ldc + j, acc[0][0]);
			ST(c + (size_t) i * ldc + j + 16, acc[0][1]);
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
/*
 * The same product for AVX2 without AVX-512: the tiles above hold 16
 * vectors of 64 bytes, which AVX2's sixteen 32-byte registers cannot, and
 * GCC then keeps them on the stack (measured: 30x slower than on
 * AVX-512).  Here a tile is 6 rows x 16 columns of 32-byte vectors: 12
 * accumulators and 2 B vectors in registers.
 *
 * The accumulators are named variables, not an array indexed by a row
 * loop: GCC keeps such an array on the stack too (a load and a store per
 * multiply-add: the recognizer took 20 ms instead of 12).  A tile short of
 * six rows computes its last row again in the spare slots and stores only
 * its own.
 */
#define AVX2_ROWS 6

/* One k step of one tile row: broadcast A[r][kk] against the two B vectors. */
#define AVX2_FMA(r) \
	do { \
		float		av = ar[r][kk]; \
		acc##r##a += av * b0; \
		acc##r##b += av * b1; \
	} while (0)

/* Store tile row r, if the tile has it. */
#define AVX2_STORE(r) \
	do { \
		if ((r) < rows) \
		{ \
			memcpy(c + (size_t) (i + (r)) * ldc + j, &acc##r##a, sizeof(v8)); \
			memcpy(c + (size_t) (i + (r)) * ldc + j + 8, &acc##r##b, sizeof(v8)); \
		} \
	} while (0)

__attribute__((target("arch=x86-64-v3"))) CONTRACT
static void
gemm_small_avx2(int m, int n, int k, const float *a0, int lda, const float *b, int ldb,
				size_t pstride, float *c, int ldc)
{
	FAST_MATH_BEGIN
	for (int j = 0; j < n; j += 16)
	{
		const float *bj = pstride ? b + (size_t) (j / 32) * pstride + j % 32 : b + j;
		size_t		bs = pstride ? 32 : (size_t) ldb;

		for (int i = 0; i < m; i += AVX2_ROWS)
		{
			int			rows = m - i < AVX2_ROWS ? m - i : AVX2_ROWS;
			const float *ar[AVX2_ROWS];
			v8			acc0a = {0}, acc0b = {0}, acc1a = {0}, acc1b = {0},
						acc2a = {0}, acc2b = {0}, acc3a = {0}, acc3b = {0},
						acc4a = {0}, acc4b = {0}, acc5a = {0}, acc5b = {0};

			for (int r = 0; r < AVX2_ROWS; r++)
				ar[r] = a0 + (size_t) (i + (r < rows ? r : rows - 1)) * lda;
			for (int kk = 0; kk < k; kk++)
			{
				v8			b0,
							b1;

				memcpy(&b0, bj + kk * bs, sizeof(v8));
				memcpy(&b1, bj + kk * bs + 8, sizeof(v8));
				AVX2_FMA(0);
				AVX2_FMA(1);
				AVX2_FMA(2);
				AVX2_FMA(3);
				AVX2_FMA(4);
				AVX2_FMA(5);
			}
			AVX2_STORE(0);
			AVX2_STORE(1);
			AVX2_STORE(2);
			AVX2_STORE(3);
			AVX2_STORE(4);
			AVX2_STORE(5);
		}
	}
}

static int
use_avx2_kernels(void)
{
	static int	use = -1;

	if (use < 0)
	{
		__builtin_cpu_init();
		use = !__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
			__builtin_cpu_supports("fma");
	}
	return use;
}
#endif

/*
 * pstride > 0: b is in panels (see gemm_small), which only the small
 * kernels read.  On AVX2 without AVX-512 the 6 x 16 kernel also beats
 * OpenBLAS on every product these networks make with n a multiple of 16
 * (measured, one thread: detector 13.6 -> 12.9 ms, landmarks 3.8 -> 3.5,
 * recognizer 11.7 -> 11.1): their k and n are small enough that OpenBLAS's
 * packing costs more than its cache blocking saves.
 */
static void
gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
	 size_t pstride, float *c)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (use_avx2_kernels() && (pstride || n % 16 == 0))
	{
		gemm_small_avx2(m, n, k, a, lda, b, ldb, pstride, c, n);
		return;
	}
#endif
	if (pstride || (m <= SMALL_M && n % 32 == 0))
		gemm_small(m, n, k, a, lda, b, ldb, pstride, c, n);
	else
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k,
					1.0f, a, lda, b, ldb, 0.0f, c, n);
}

void
of_pack_panels(const float *filt, int k, int co, float *out)
{
	for (int j = 0; j < co; j += 32)
		for (int kk = 0; kk < k; kk++)
			memcpy(out + (size_t) j * k + (size_t) kk * 32, filt + (size_t) kk * co + j,
				   32 * sizeof(float));
}

/* Taps [lo, hi) of a k-wide window that ever touch the input (the rest only see padding). */
static void
live_taps(int in, int k, int stride, int pad, int out, int *lo, int *hi)
{
	*lo = pad - (out - 1) * stride > 0 ? pad - (out - 1) * stride : 0;
	*hi = in + pad < k ? in + pad : k;
}

static void
conv2d(const float *in, int h, int w, int ci,
	   const float *filt, int panels, int kh, int kw, int co, int stride,
	   int pad_top, int pad_left, int oh, int ow,
	   const float *bias, of_act act, float *out, float *scratch)
{
	size_t		pstride = panels ? (size_t) kh * kw * ci * 32 : 0;
	int			ky0,
				ky1,
				kx0,
				kx1,
				k,
				rows_per_block;

	if (kh == 1 && kw == 1 && stride == 1 && pad_top == 0 && pad_left == 0 &&
		oh == h && ow == w)
	{
		gemm(oh * ow, co, ci, in, ci, filt, co, pstride, out);
		of_bias_act(out, (size_t) oh * ow, co, bias, act);
		return;
	}

	/*
	 * Skip taps that only ever see zero padding (a 3x3 SAME conv on a 1x1
	 * map uses its centre only), when the remaining filter rows are
	 * contiguous in HWIO.
	 */
	live_taps(h, kh, stride, pad_top, oh, &ky0, &ky1);
	live_taps(w, kw, stride, pad_left, ow, &kx0, &kx1);
	if (!(kx0 == 0 && kx1 == kw) && ky1 - ky0 != 1)
	{
		ky0 = kx0 = 0;
		ky1 = kh;
		kx1 = kw;
	}
	k = (ky1 - ky0) * (kx1 - kx0) * ci;
	/* first live filter row: rows are co floats apart, or 32 inside a panel */
	filt += ((size_t) ky0 * kw + kx0) * ci * (panels ? 32 : co);

	rows_per_block = (int) (of_conv2d_scratch(oh, ow, kh, kw, ci) / ((size_t) kh * kw * ci) / (size_t) ow);
	for (int oy0 = 0; oy0 < oh; oy0 += rows_per_block)
	{
		int			oy1 = oy0 + rows_per_block < oh ? oy0 + rows_per_block : oh;
		int			m = (oy1 - oy0) * ow;
		float	   *o = out + (size_t) oy0 * ow * co;

		im2col(in, h, w, ci, ky0, ky1, kx0, kx1, stride, pad_top, pad_left, oy0, oy1, ow, scratch);
		gemm(m, co, k, scratch, k, filt, co, pstride, o);
		of_bias_act(o, (size_t) m, co, bias, act);
	}
}

void
of_conv2d(const float *in, int h, int w, int ci,
		  const float *filt, int kh, int kw, int co, int stride,
		  int pad_top, int pad_left, int oh, int ow,
		  const float *bias, of_act act, float *out, float *scratch)
{
	conv2d(in, h, w, ci, filt, 0, kh, kw, co, stride, pad_top, pad_left, oh, ow,
		   bias, act, out, scratch);
}

void
of_conv2d_panels(const float *in, int h, int w, int ci,
				 const float *filt, int kh, int kw, int co, int stride,
				 int pad_top, int pad_left, int oh, int ow,
				 const float *bias, of_act act, float *out, float *scratch)
{
	conv2d(in, h, w, ci, filt, 1, kh, kw, co, stride, pad_top, pad_left, oh, ow,
		   bias, act, out, scratch);
}

/* One output pixel of a depthwise 3x3 with taps restricted to [ky0,ky1) x [kx0,kx1). */
static inline void
dw_pixel(const float *in, int w, int c, const float *filt, int iy0, int ix0,
		 int ky0, int ky1, int kx0, int kx1, float *o)
{
	int			ch = 0;

	for (; ch + VL <= c; ch += VL)
	{
		v16			acc = {0};

		for (int ky = ky0; ky < ky1; ky++)
			for (int kx = kx0; kx < kx1; kx++)
			{
				v16			x,
							f;

				LD(x, in + ((size_t) (iy0 + ky) * w + (ix0 + kx)) * c + ch);
				LD(f, filt + (ky * 3 + kx) * c + ch);
				acc += x * f;
			}
		ST(o + ch, acc);
	}
	for (; ch < c; ch++)
	{
		float		acc = 0.0f;

		for (int ky = ky0; ky < ky1; ky++)
			for (int kx = kx0; kx < kx1; kx++)
				acc += in[((size_t) (iy0 + ky) * w + (ix0 + kx)) * c + ch] *
					filt[(ky * 3 + kx) * c + ch];
		o[ch] = acc;
	}
}

/*
 * Interior pixels go channel block by channel block with the nine filter
 * vectors held in registers; a tap row outside the input reads some valid
 * row with a zero filter instead (activations are finite, so 0*x == 0).
 * Pixels whose window leaves the input on the left/right use dw_pixel.
 */
KERNEL CONTRACT
void
of_depthwise3x3(const float *in, int h, int w, int c, const float *filt,
				int stride, int pad_top, int pad_left, int oh, int ow, float *out)
{
	FAST_MATH_BEGIN
	/* interior columns: ix0 = ox*stride - pad_left >= 0 and ix0 + 3 <= w */
	int			ox_lo = (pad_left + stride - 1) / stride;
	int			ox_hi = w >= 3 ? (w - 3 + pad_left) / stride + 1 : 0;
	int			cv = c / VL * VL;

	if (ox_hi > ow)
		ox_hi = ow;
	if (ox_lo > ox_hi)
		ox_lo = ox_hi = ow;

	for (int oy = 0; oy < oh; oy++)
	{
		int			iy0 = oy * stride - pad_top;
		int			ky0 = iy0 < 0 ? -iy0 : 0;
		int			ky1 = iy0 + 3 > h ? h - iy0 : 3;
		const float *rows[3];
		float	   *orow = out + (size_t) oy * ow * c;

		for (int ky = 0; ky < 3; ky++)
			rows[ky] = in + (size_t) (ky >= ky0 && ky < ky1 ? iy0 + ky : iy0 + ky0) * w * c;

		for (int ox = 0; ox < ow; ox++)
		{
			int			ix0 = ox * stride - pad_left;

			if (ox >= ox_lo && ox < ox_hi)
			{
				if (cv == c)
				{
					ox = ox_hi - 1;
					continue;
				}
				dw_pixel(in, w, c, filt, iy0, ix0, ky0, ky1, 0, 3, orow + (size_t) ox * c);
			}
			else
				dw_pixel(in, w, c, filt, iy0, ix0, ky0, ky1, ix0 < 0 ? -ix0 : 0,
						 ix0 + 3 > w ? w - ix0 : 3, orow + (size_t) ox * c);
		}

		for (int ch = 0; ch < cv && cv == c; ch += VL)
		{
			v16			f[9];

			for (int t = 0; t < 9; t++)
			{
				LD(f[t], filt + t * c + ch);
				if (t / 3 < ky0 || t / 3 >= ky1)
					f[t] = f[t] * 0.0f;
			}
			for (int ox = ox_lo; ox < ox_hi; ox++)
			{
				size_t		p = (size_t) (ox * stride - pad_left) * c + ch;
				v16			acc,
							x0,
							x1,
							x2;

				LD(x0, rows[0] + p);
				LD(x1, rows[0] + p + c);
				LD(x2, rows[0] + p + 2 * c);
				acc = x0 * f[0] + x1 * f[1] + x2 * f[2];
				LD(x0, rows[1] + p);
				LD(x1, rows[1] + p + c);
				LD(x2, rows[1] + p + 2 * c);
				acc += x0 * f[3] + x1 * f[4] + x2 * f[5];
				LD(x0, rows[2] + p);
				LD(x1, rows[2] + p + c);
				LD(x2, rows[2] + p + 2 * c);
				acc += x0 * f[6] + x1 * f[7] + x2 * f[8];
				ST(orow + (size_t) ox * c + ch, acc);
			}
		}
	}
}

KERNEL
void
of_maxpool(const float *in, int h, int w, int c, int k, int stride,
		   int pad_top, int pad_left, int oh, int ow, float *out)
{
	for (int oy = 0; oy < oh; oy++)
		for (int ox = 0; ox < ow; ox++)
		{
			int			iy0 = oy * stride - pad_top,
						ix0 = ox * stride - pad_left;
			int			ky0 = iy0 < 0 ? -iy0 : 0,
						kx0 = ix0 < 0 ? -ix0 : 0;
			int			ky1 = iy0 + k > h ? h - iy0 : k,
						kx1 = ix0 + k > w ? w - ix0 : k;
			float	   *o = out + ((size_t) oy * ow + ox) * c;
			const float *first = in + ((size_t) (iy0 + ky0) * w + ix0 + kx0) * c;
			int			ch = 0;

			if (k == 2 && ky0 == 0 && kx0 == 0 && ky1 == 2 && kx1 == 2)
			{
				const float *below = first + (size_t) w * c;

				for (; ch + VL8 <= c; ch += VL8)
				{
					v8			a,
								b,
								d,
								e;

					LD8(a, first + ch);
					LD8(b, first + c + ch);
					LD8(d, below + ch);
					LD8(e, below + c + ch);
					a = MAX8(a, b);
					d = MAX8(d, e);
					a = MAX8(a, d);
					ST8(o + ch, a);
				}
			}

			for (; ch + VL8 <= c; ch += VL8)
			{
				v8			m;

				LD8(m, first + ch);
				for (int ky = ky0; ky < ky1; ky++)
					for (int kx = kx0; kx < kx1; kx++)
					{
						v8			x;

						LD8(x, in + ((size_t) (iy0 + ky) * w + ix0 + kx) * c + ch);
						m = MAX8(m, x);
					}
				ST8(o + ch, m);
			}
			for (; ch < c; ch++)
			{
				float		m = first[ch];

				for (int ky = ky0; ky < ky1; ky++)
					for (int kx = kx0; kx < kx1; kx++)
					{
						float		v = in[((size_t) (iy0 + ky) * w + ix0 + kx) * c + ch];

						m = v > m ? v : m;
					}
				o[ch] = m;
			}
		}
}

void
of_avgpool(const float *in, int h, int w, int c, int k, int stride,
		   int oh, int ow, float *out)
{
	float		count = (float) (k * k);

	(void) h;
	for (int oy = 0; oy < oh; oy++)
		for (int ox = 0; ox < ow; ox++)
		{
			float	   *o = out + ((size_t) oy * ow + ox) * c;

			for (int ch = 0; ch < c; ch++)
			{
				float		sum = 0.0f;

				for (int ky = 0; ky < k; ky++)
					for (int kx = 0; kx < k; kx++)
						sum += in[((size_t) (oy * stride + ky) * w + ox * stride + kx) * c + ch];
				o[ch] = sum / count;
			}
		}
}

void
of_fc(const float *x, int in, const float *weights, int out, const float *bias, float *y)
{
	cblas_sgemv(CblasRowMajor, CblasTrans, in, out, 1.0f, weights, out, x, 1, 0.0f, y, 1);
	if (bias)
		for (int j = 0; j < out; j++)
			y[j] += bias[j];
}

KERNEL
void
of_add(const float *a, const float *b, size_t n, float *out)
{
	size_t		i = 0;

	for (; i + VL <= n; i += VL)
	{
		v16			x,
					y;

		LD(x, a + i);
		LD(y, b + i);
		x += y;
		ST(out + i, x);
	}
	for (; i < n; i++)
		out[i] = a[i] + b[i];
}

KERNEL
void
of_add_relu(const float *a, const float *b, size_t n, float *out)
{
	size_t		i = 0;

	for (; i + VL8 <= n; i += VL8)
	{
		v8			x,
					y;

		LD8(x, a + i);
		LD8(y, b + i);
		x += y;
		x = RELU8(x);
		ST8(out + i, x);
	}
	for (; i < n; i++)
		out[i] = relu1(a[i] + b[i]);
}

KERNEL
void
of_relu(const float *a, size_t n, float *out)
{
	size_t		i = 0;

	for (; i + VL8 <= n; i += VL8)
	{
		v8			x;

		LD8(x, a + i);
		x = RELU8(x);
		ST8(out + i, x);
	}
	for (; i < n; i++)
		out[i] = relu1(a[i]);
}

/* The stem conv's patch: 3 rows of 3 taps x 3 channels, a row one run of floats. */
#define STEM_RUN	9
#define STEM_PATCH	(3 * STEM_RUN)

/* One output of the 3x3x3 stem conv at input position p (row stride rs floats). */
#define STEM_TAP(acc, p, rs, f, ky, kx) \
	acc += (p)[(ky) * (rs) + (kx) * 3] * f[((ky) * 3 + (kx)) * 3] + \
		(p)[(ky) * (rs) + (kx) * 3 + 1] * f[((ky) * 3 + (kx)) * 3 + 1] + \
		(p)[(ky) * (rs) + (kx) * 3 + 2] * f[((ky) * 3 + (kx)) * 3 + 2]
#define STEM_CONV(acc, p, rs, f) \
	do { \
		acc = f[STEM_PATCH]; \
		STEM_TAP(acc, p, rs, f, 0, 0); STEM_TAP(acc, p, rs, f, 0, 1); STEM_TAP(acc, p, rs, f, 0, 2); \
		STEM_TAP(acc, p, rs, f, 1, 0); STEM_TAP(acc, p, rs, f, 1, 1); STEM_TAP(acc, p, rs, f, 1, 2); \
		STEM_TAP(acc, p, rs, f, 2, 0); STEM_TAP(acc, p, rs, f, 2, 1); STEM_TAP(acc, p, rs, f, 2, 2); \
	} while (0)

#if defined(__x86_64__) && defined(__GNUC__)
/*
 * One output row of the stem convolution: its patches laid out as im2col
 * would, then the 6 x 16 product.  A patch is three runs of STEM_RUN
 * floats, copied with a constant size, which the compiler inlines where
 * im2col calls memcpy.
 */
static void
stem_row_avx2(const float *in, int size, int y, const float *filt, float *col, float *out)
{
	int			w = size - 2;

	for (int x = 0; x < w; x++)
		for (int ky = 0; ky < 3; ky++)
			memcpy(col + (size_t) x * STEM_PATCH + ky * STEM_RUN,
				   in + ((size_t) (y + ky) * size + x) * 3, STEM_RUN * sizeof(float));
	gemm_small_avx2(w, 16, STEM_PATCH, col, STEM_PATCH, filt, 16, 0, out, 16);
}

/*
 * of_stem3x3x16_leaky_pool for AVX2 without AVX-512 (see gemm_small_avx2),
 * two conv rows at a time; false when it could not get their memory.
 */
__attribute__((target("arch=x86-64-v3"))) CONTRACT
static int
stem_avx2(const float *in, int size, const float *filt, const float *bias, float *out)
{
	FAST_MATH_BEGIN
	int			h0 = size - 2;
	int			ph = (h0 + 1) / 2;
	float	   *rows = malloc(sizeof(float) * (2 * 16 + STEM_PATCH) * (size_t) h0);
	float	   *col;

	if (rows == NULL)
		return 0;
	col = rows + 2 * 16 * (size_t) h0;	/* one row of patches */
	for (int py = 0; py < ph; py++)
	{
		int			down = 2 * py + 1 < h0;

		stem_row_avx2(in, size, 2 * py, filt, col, rows);
		if (down)
			stem_row_avx2(in, size, 2 * py + 1, filt, col, rows + 16 * (size_t) h0);
		for (int px = 0; px < ph; px++)
			for (int h = 0; h < 16; h += 8)
			{
				const float *c = rows + (size_t) (2 * px) * 16 + h;
				int			right = 2 * px + 1 < h0;
				v8			m,
							a,
							b;

				memcpy(&m, c, sizeof(v8));
				if (right)
				{
					memcpy(&a, c + 16, sizeof(v8));
					m = MAX8(m, a);
				}
				if (down)
				{
					memcpy(&a, c + 16 * (size_t) h0, sizeof(v8));
					m = MAX8(m, a);
					if (right)
					{
						memcpy(&a, c + 16 * (size_t) h0 + 16, sizeof(v8));
						m = MAX8(m, a);
					}
				}
				memcpy(&b, bias + h, sizeof(v8));
				m += b;
				a = m * 0.1f;
				b = m - a;
				m = RELU8(b) + a;
				memcpy(out + ((size_t) py * ph + px) * 16 + h, &m, sizeof(v8));
			}
	}
	free(rows);
	return 1;
}
#endif

KERNEL CONTRACT
void
of_stem3x3x16_leaky_pool(const float *in, int size, const float *filt, const float *bias,
						 float *out)
{
	FAST_MATH_BEGIN
	const v16	tenth = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f,
	0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f};
	const v16	zero = {0};
	int			h0 = size - 2;

#if defined(__x86_64__) && defined(__GNUC__)
	/* without the row buffer, the portable form below (it needs no memory) */
	if (use_avx2_kernels() && stem_avx2(in, size, filt, bias, out))
		return;
#endif
	int			ph = (h0 + 1) / 2;
	size_t		rs = (size_t) size * 3;
	v16			f[STEM_PATCH + 1];	/* the taps, then a zero start value */

	for (int t = 0; t < STEM_PATCH; t++)
		LD(f[t], filt + t * 16);
	f[STEM_PATCH] = zero;

	for (int py = 0; py < ph; py++)
		for (int px = 0; px < ph; px++)
		{
			const float *p = in + ((size_t) (2 * py) * size + 2 * px) * 3;
			int			down = 2 * py + 1 < h0,
						right = 2 * px + 1 < h0;
			v16			m,
						a,
						b;

			/* pooling before bias and leaky is exact: both are non-decreasing */
			STEM_CONV(m, p, rs, f);
			if (right)
			{
				STEM_CONV(a, p + 3, rs, f);
				m = MAX16(m, a);
			}
			if (down)
			{
				STEM_CONV(a, p + rs, rs, f);
				m = MAX16(m, a);
				if (right)
				{
					STEM_CONV(a, p + rs + 3, rs, f);
					m = MAX16(m, a);
				}
			}
			LD(b, bias);
			m += b;
			a = m * tenth;
			b = m - a;
			m = RELU16(b) + a;
			ST(out + ((size_t) py * ph + px) * 16, m);
		}
}
