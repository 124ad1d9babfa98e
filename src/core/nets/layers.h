/*
 * Building blocks of the three networks, on NHWC float32 activations of
 * batch 1 (docs/networks.md §2).  Filters are in the TF.js
 * layouts: conv HWIO, depthwise [3][3][c], pointwise and fc [in][out].
 * None of these allocate; the caller passes every buffer.
 */
#ifndef OF_LAYERS_H
#define OF_LAYERS_H

#include <stddef.h>

typedef enum of_act
{
	OF_ACT_NONE,
	OF_ACT_RELU,
	OF_ACT_LEAKY				/* m = x*0.1f; relu(x - m) + m, as face-api */
} of_act;

/* TensorFlow SAME geometry: out = ceil(in/s); returns the padding before. */
int			of_same_pad(int in, int k, int s, int *out);

/* VALID geometry: out = floor((in - k)/s) + 1 (0 if the window does not fit). */
int			of_valid_out(int in, int k, int s);

/* Floats of scratch that of_conv2d needs for this geometry. */
size_t		of_conv2d_scratch(int oh, int ow, int kh, int kw, int ci);

/*
 * out[oh][ow][co] = act(conv(in, filt) + bias), zero padding pad_top /
 * pad_left before (whatever lies past the input on the other side is zero
 * too).  bias may be NULL.  Uses im2col by row blocks and a matrix
 * product (cblas_sgemm or layers.c's small kernels); a 1x1 stride-1
 * unpadded conv reads the input directly.
 */
void		of_conv2d(const float *in, int h, int w, int ci,
					  const float *filt, int kh, int kw, int co, int stride,
					  int pad_top, int pad_left, int oh, int ow,
					  const float *bias, of_act act, float *out, float *scratch);

/* y[p][c] = act(y[p][c] + bias[c]) for p < n; bias may be NULL. */
void		of_bias_act(float *y, size_t n, int c, const float *bias, of_act act);

/*
 * The detector's first stage in one pass: 3x3 VALID conv 3 -> 16
 * channels of in[size][size][3], + bias, leaky, then 2x2 stride-2 SAME
 * max pool, into out[ph][ph][16] with ph = ceil((size-2)/2).
 */
void		of_stem3x3x16_leaky_pool(const float *in, int size, const float *filt,
									 const float *bias, float *out);

/*
 * The same with the filter re-laid by of_pack_panels (co a multiple of
 * 32): read in place by the library's own GEMM, which beats OpenBLAS
 * (that copies the weights on every call) when few pixels use them.
 */
void		of_conv2d_panels(const float *in, int h, int w, int ci,
							 const float *filt, int kh, int kw, int co, int stride,
							 int pad_top, int pad_left, int oh, int ow,
							 const float *bias, of_act act, float *out, float *scratch);

/* HWIO filter seen as [k][co] -> panels [co/32][k][32]. */
void		of_pack_panels(const float *filt, int k, int co, float *out);

/* Depthwise 3x3 conv, channel multiplier 1, no bias. */
void		of_depthwise3x3(const float *in, int h, int w, int c, const float *filt,
							int stride, int pad_top, int pad_left, int oh, int ow,
							float *out);

/* Max pool k x k; cells outside the input (SAME padding) are ignored. */
void		of_maxpool(const float *in, int h, int w, int c, int k, int stride,
					   int pad_top, int pad_left, int oh, int ow, float *out);

/* Average pool k x k, VALID: the sum of the window divided by k*k. */
void		of_avgpool(const float *in, int h, int w, int c, int k, int stride,
					   int oh, int ow, float *out);

/* y[out] = x[in] . W[in][out] (+ bias if not NULL). */
void		of_fc(const float *x, int in, const float *weights, int out,
				  const float *bias, float *y);

/* Elementwise over n floats; out may alias a or b. */
void		of_add(const float *a, const float *b, size_t n, float *out);
void		of_add_relu(const float *a, const float *b, size_t n, float *out);
void		of_relu(const float *a, size_t n, float *out);

#endif
