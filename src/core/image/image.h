/*
 * Image decoding (JPEG via libjpeg-turbo, PNG via libpng) to RGB8 and PNG
 * encoding.
 *
 * Decoding matches face-api's reference exactly for JPEG (library defaults:
 * JDCT_ISLOW, fancy upsampling, JCS_RGB output).  Policies:
 *  - the pixel count from the header is checked against max_pixels before
 *    any pixel buffer is allocated (OF_ELIMIT);
 *  - a stream that ends early (JPEG before EOI, PNG before IEND) or whose
 *    entropy-coded data is damaged is OF_ECORRUPT, never silently padded;
 *  - bytes after a complete JPEG EOI / PNG IEND are ignored;
 *  - an unknown or unsupported container is OF_EFORMAT naming what was seen;
 *  - grey becomes R=G=B, alpha (and PNG tRNS) is dropped without
 *    compositing, 16-bit PNG samples keep their high byte, PNG gamma and
 *    colour chunks are ignored (as face-api does);
 *  - CMYK/YCCK JPEG is converted with R = (255-C)(255-K)/255 (rounded),
 *    treating the samples as inverted when an Adobe marker is present
 *    (Photoshop convention);
 *  - EXIF orientation (JPEG APP1) is applied only on request: face-api
 *    ignores it, so the reference flow must too.
 */
#ifndef OF_IMAGE_H
#define OF_IMAGE_H

#include <stddef.h>
#include "common.h"

typedef struct of_image
{
	int			width,
				height;
	unsigned char *rgb;			/* RGB8, HWC, row-major, malloc'd */
} of_image;

typedef struct of_decode_opts
{
	size_t		max_pixels;		/* 0 = default 50,000,000 */
	int			apply_exif_orientation;
} of_decode_opts;

#define OF_DEFAULT_MAX_PIXELS ((size_t) 50000000)

/*
 * Decode a JPEG or PNG held in memory.  On success *out owns a malloc'd
 * buffer (release with of_image_free); on failure *out is zeroed.
 * opts may be NULL (defaults).
 */
of_status	of_image_decode(const void *data, size_t len, const of_decode_opts *opts,
							of_image *out, of_error *err);

void		of_image_free(of_image *img);

/* Encode img as an RGB8 PNG into a malloc'd buffer the caller frees. */
of_status	of_image_encode_png(const of_image *img, unsigned char **out, size_t *outlen,
								of_error *err);

#endif
