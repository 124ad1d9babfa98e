/*
 * Image decoding (JPEG via libjpeg-turbo, PNG via libpng, HEIC via libheif,
 * WebP via libwebp) to RGB8 and PNG encoding.  The format is sniffed from
 * the first bytes, never taken from a name.
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
 *  - EXIF orientation (JPEG APP1, WebP EXIF chunk) is applied only on
 *    request: face-api ignores it, so the reference flow must too.  A
 *    HEIF's irot/imir/clap transformations are its orientation: applied on
 *    the same request (by libheif), its EXIF tag is ignored;
 *  - HEIC is HEIF coded with HEVC (decoded through libheif with strict
 *    decoding, so damaged data fails rather than decoding grey); HDR
 *    samples become 8-bit; AVIF and other HEIF codecs are OF_EFORMAT.
 *    Besides its header sizes, the picture size each HEVC parameter set in
 *    hvcC codes counts against max_pixels (what the decoder allocates);
 *  - animated WebP is OF_EFORMAT.
 */
#ifndef OF_IMAGE_H
#define OF_IMAGE_H

#include <stddef.h>
#include "common.h"

typedef struct of_rect
{
	int			x,
				y,
				w,
				h;
} of_rect;

/* The smallest rectangle holding a and b. */
of_rect		of_rect_union(of_rect a, of_rect b);

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
 * Decode a JPEG, PNG, HEIC or WebP held in memory.  On success *out owns a malloc'd
 * buffer (release with of_image_free); on failure *out is zeroed.
 * opts may be NULL (defaults).
 */
of_status	of_image_decode(const void *data, size_t len, const of_decode_opts *opts,
							of_image *out, of_error *err);

void		of_image_free(of_image *img);

/*
 * A photo for the face pipeline: `view` is the whole photo as the detector
 * sees it, a JPEG decoded by libjpeg-turbo at the smallest of the scales
 * 1/8, 1/4, 1/2 (the fast ones: 3/8 measured slower than 1/2) whose longer
 * side is still at least the detector's need; `full` has the photo's full
 * size but holds decoded pixels only inside `have` (zeros elsewhere), which
 * of_photo_need grows to what the face crops read.  A PNG, HEIC or WebP, a
 * small JPEG or a need of 0 decode everything at once: then view and full
 * are the same image.  The photo keeps a pointer to the encoded bytes until
 * freed.
 */
typedef struct of_photo
{
	of_image	view;
	of_image	full;
	of_rect		have;
	/* what a region decode needs */
	const unsigned char *data;
	size_t		len;
	int			orientation;	/* EXIF 1..8 applied to the stored image */
} of_photo;

/* Decode for a detector that reads detect_side pixels along the longer side (0: all). */
of_status	of_photo_open(const void *data, size_t len, const of_decode_opts *opts,
						  int detect_side, of_photo *photo, of_error *err);

/* Make sure full holds the decoded pixels of r (clipped to the photo). */
of_status	of_photo_need(of_photo *photo, of_rect r, of_error *err);

/* 1 when the view is a scaled copy, 0 when it is the full image itself. */
int			of_photo_scaled(const of_photo *photo);

void		of_photo_free(of_photo *photo);

/*
 * A contact sheet: n cells of cell x cell pixels in a grid of columns
 * (rows as needed), OF_SHEET_GAP pixels of background around each.  Each
 * image placed is scaled to fit its cell, aspect kept (box-averaged when it
 * shrinks), and centred.  of_sheet_init refuses a sheet of more than
 * max_pixels pixels (OF_ELIMIT) before allocating it; unplaced cells stay
 * background.
 */
#define OF_SHEET_GAP		4
#define OF_SHEET_BACKGROUND	255	/* white */

of_status	of_sheet_init(int n, int columns, int cell, size_t max_pixels,
						  of_image *sheet, of_error *err);
void		of_sheet_place(of_image *sheet, int index, int columns, int cell,
						   const of_image *img);

/* Encode img as an RGB8 PNG into a malloc'd buffer the caller frees. */
of_status	of_image_encode_png(const of_image *img, unsigned char **out, size_t *outlen,
								of_error *err);

#endif
