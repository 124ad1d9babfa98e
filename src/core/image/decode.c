/*
 * JPEG/PNG/HEIC/WebP → RGB8.  The policies are listed in image.h.
 *
 * libjpeg and libpng report fatal errors through a callback that must not
 * return.  Each of these decoders keeps all of its state in a context
 * struct owned by the (setjmp-free) entry function; a separate body
 * function calls setjmp and the callbacks longjmp back into it, never
 * further.  Because the state lives outside the frame that called setjmp,
 * nothing is lost across the jump, and the entry function frees whatever
 * was allocated.  libheif and libwebp return their errors.
 */
#include "image/image.h"

#include <limits.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <libheif/heif.h>
#include <png.h>
#include <webp/decode.h>

/* Progressive JPEGs can repeat scans to burn CPU; real files use < 20. */
#define OF_JPEG_MAX_SCANS 500
/*
 * Rows and columns decoded around a requested region and thrown away:
 * fancy upsampling interpolates chroma from the neighbouring iMCU, which a
 * crop or a skip leaves out, so pixels within one iMCU (16 px at 2x2 chroma
 * subsampling) of the cut could differ from a whole decode.
 */
#define OF_JPEG_REGION_MARGIN 16
/* Side of the square blocks an orientation is applied in (see place). */
#define OF_PLACE_BLOCK 64
/* Largest single ancillary PNG chunk we let libpng buffer. */
#define OF_PNG_CHUNK_MAX ((png_alloc_size_t) 8 * 1024 * 1024)
#define OF_PNG_CHUNK_CACHE 256
/* RIFF header of a WebP: "RIFF", the payload size, "WEBP"; then the chunks. */
#define OF_WEBP_HEADER 12
#define OF_RIFF_CHUNK_HEADER 8
/* An ISO base media box header: size and type, 4 bytes each; a full box adds version and flags. */
#define OF_BOX_HEADER 8
#define OF_FULL_BOX_HEADER 4
/* hvcC: 22 bytes of profile and format, then the count of NAL unit arrays. */
#define OF_HVCC_ARRAYS 22
/* HEVC (ITU-T H.265 7.3): the NAL unit header, the SPS type, the sub-layers and profile_tier_level fields. */
#define OF_HEVC_NAL_HEADER 2
#define OF_HEVC_SPS 33
#define OF_HEVC_MAX_SUB_LAYERS 7
#define OF_HEVC_PTL_GENERAL_BITS 96	/* general profile (88 bits) and level (8) */
#define OF_HEVC_PTL_PROFILE_BITS 88
#define OF_HEVC_PTL_LEVEL_BITS 8
#define OF_HEVC_MAX_CTB 64			/* the largest coding tree block */
/* SPS bytes read for the size: enough for the largest profile_tier_level. */
#define OF_SPS_HEAD 256
/* ftyp: the major brand, a minor version, then the compatible brands. */
#define OF_FTYP_BRANDS 16

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* ---------------------------------------------------------------- sniffing */

enum
{
	KIND_JPEG,
	KIND_PNG,
	KIND_HEIF,
	KIND_WEBP
};

/* Brands of HEIF files coded with HEVC, the HEIF flavour we decode (HEIC). */
static const char *const hevc_brands[] = {"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"};

static int
is_hevc_brand(const unsigned char *b)
{
	for (size_t i = 0; i < sizeof(hevc_brands) / sizeof(hevc_brands[0]); i++)
		if (memcmp(b, hevc_brands[i], 4) == 0)
			return 1;
	return 0;
}

/*
 * An ftyp box whose major or a compatible brand says HEVC: HEIC, and also
 * "mif1" files that carry HEVC.  AVIF and other HEIF codecs are left out.
 */
static int
is_heic(const unsigned char *p, size_t len)
{
	size_t		end;

	if (len < OF_BOX_HEADER + 4 || memcmp(p + 4, "ftyp", 4) != 0)
		return 0;
	end = ((size_t) p[0] << 24 | (size_t) p[1] << 16 | (size_t) p[2] << 8 | p[3]);
	if (end > len)
		end = len;
	if (is_hevc_brand(p + OF_BOX_HEADER))
		return 1;
	for (size_t b = OF_FTYP_BRANDS; b + 4 <= end; b += 4)
		if (is_hevc_brand(p + b))
			return 1;
	return 0;
}

/* Name a container we recognise but do not decode, or NULL. */
static const char *
other_format_name(const unsigned char *p, size_t len)
{
	if (len >= 4 && memcmp(p, "GIF8", 4) == 0)
		return "GIF";
	if (len >= 2 && p[0] == 'B' && p[1] == 'M')
		return "BMP";
	if (len >= 4 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0))
		return "TIFF";
	if (len >= 12 && memcmp(p + 4, "ftyp", 4) == 0)
	{
		if (memcmp(p + 8, "avi", 3) == 0)
			return "AVIF";
		if (memcmp(p + 8, "hei", 3) == 0 || memcmp(p + 8, "mif1", 4) == 0 ||
			memcmp(p + 8, "msf1", 4) == 0 || memcmp(p + 8, "hev", 3) == 0)
			return "HEIF not coded with HEVC";
		return "ISO base media (MP4/QuickTime)";
	}
	if (len >= 8 && memcmp(p, "\0\0\0\x0cjP  ", 8) == 0)
		return "JPEG 2000";
	if (len >= 4 && memcmp(p, "\xff\x4f\xff\x51", 4) == 0)
		return "JPEG 2000 codestream";
	if ((len >= 2 && p[0] == 0xff && p[1] == 0x0a) ||
		(len >= 8 && memcmp(p, "\0\0\0\x0cJXL ", 8) == 0))
		return "JPEG XL";
	if (len >= 4 && memcmp(p, "8BPS", 4) == 0)
		return "Photoshop PSD";
	if (len >= 4 && memcmp(p, "\0\0\1\0", 4) == 0)
		return "ICO";
	if (len >= 4 && memcmp(p, "%PDF", 4) == 0)
		return "PDF";
	if (len >= 2 && p[0] == 'P' && p[1] >= '1' && p[1] <= '7')
		return "PNM";
	if (len >= 1 && p[0] == '<')
		return "XML/SVG";
	return NULL;
}

static of_status
sniff(const unsigned char *p, size_t len, int *kind, of_error *err)
{
	const char *name;

	if (len == 0)
		return of_fail(err, OF_ECORRUPT, "empty image data");
	if (len >= 2 && p[0] == 0xff && p[1] == 0xd8)
	{
		*kind = KIND_JPEG;
		return OF_OK;
	}
	if (len >= sizeof(png_signature) && memcmp(p, png_signature, sizeof(png_signature)) == 0)
	{
		*kind = KIND_PNG;
		return OF_OK;
	}
	if (len < sizeof(png_signature) && memcmp(p, png_signature, len) == 0)
		return of_fail(err, OF_ECORRUPT, "truncated PNG signature (%zu bytes)", len);
	if (len >= OF_WEBP_HEADER && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
	{
		*kind = KIND_WEBP;
		return OF_OK;
	}
	if (is_heic(p, len))
	{
		*kind = KIND_HEIF;
		return OF_OK;
	}
	name = other_format_name(p, len);
	if (name)
		return of_fail(err, OF_EFORMAT,
					   "unsupported image format: %s (only JPEG, PNG, HEIC and WebP are decoded)", name);
	if (len < 4)
		return of_fail(err, OF_ECORRUPT, "image data too short (%zu bytes)", len);
	return of_fail(err, OF_EFORMAT,
				   "unsupported image format: unknown signature 0x%02x%02x%02x%02x (expected JPEG, PNG, HEIC or WebP)",
				   p[0], p[1], p[2], p[3]);
}

/* ------------------------------------------------------------ orientation */

static unsigned
rd16(const unsigned char *p, int le)
{
	return le ? (unsigned) p[0] | (unsigned) p[1] << 8 : (unsigned) p[0] << 8 | (unsigned) p[1];
}

static uint32_t
rd32(const unsigned char *p, int le)
{
	return le ? (uint32_t) rd16(p, 1) | (uint32_t) rd16(p + 2, 1) << 16
		: (uint32_t) rd16(p, 0) << 16 | (uint32_t) rd16(p + 2, 0);
}

/* Orientation tag (0x0112) of IFD0 in a TIFF block; 1 when absent or bad. */
static int
tiff_orientation(const unsigned char *t, size_t n)
{
	int			le;
	size_t		ifd;
	unsigned	count;

	if (n < 8)
		return 1;
	if (t[0] == 'I' && t[1] == 'I')
		le = 1;
	else if (t[0] == 'M' && t[1] == 'M')
		le = 0;
	else
		return 1;
	if (rd16(t + 2, le) != 42)
		return 1;
	ifd = rd32(t + 4, le);
	if (ifd > n || n - ifd < 2)
		return 1;
	count = rd16(t + ifd, le);
	for (unsigned i = 0; i < count; i++)
	{
		size_t		e = ifd + 2 + (size_t) 12 * i;
		unsigned	v;

		if (e > n || n - e < 12)
			break;
		if (rd16(t + e, le) != 0x0112)
			continue;
		/* SHORT, count 1: the value sits in the first 2 bytes of the slot */
		if (rd16(t + e + 2, le) != 3 || rd32(t + e + 4, le) < 1)
			return 1;
		v = rd16(t + e + 8, le);
		return v >= 1 && v <= 8 ? (int) v : 1;
	}
	return 1;
}

static int
jpeg_exif_orientation(j_decompress_ptr ci)
{
	for (jpeg_saved_marker_ptr m = ci->marker_list; m != NULL; m = m->next)
	{
		if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
			memcmp(m->data, "Exif\0\0", 6) == 0)
			return tiff_orientation(m->data + 6, m->data_length - 6);
	}
	return 1;
}

/*
 * Where pixel (x, y) of the upright image lies in the stored w x h image
 * under EXIF orientation o (1..8).
 */
static void
stored_point(int o, int w, int h, int x, int y, int *sx, int *sy)
{
	switch (o)
	{
		case 2:
			*sx = w - 1 - x, *sy = y;
			break;
		case 3:
			*sx = w - 1 - x, *sy = h - 1 - y;
			break;
		case 4:
			*sx = x, *sy = h - 1 - y;
			break;
		case 5:
			*sx = y, *sy = x;
			break;
		case 6:
			*sx = y, *sy = h - 1 - x;
			break;
		case 7:
			*sx = w - 1 - y, *sy = h - 1 - x;
			break;
		case 8:
			*sx = w - 1 - y, *sy = x;
			break;
		default:				/* 1 */
			*sx = x, *sy = y;
			break;
	}
}

/* The upright size of a stored w x h image under orientation o. */
static void
upright_size(int o, int w, int h, int *W, int *H)
{
	*W = o >= 5 ? h : w;
	*H = o >= 5 ? w : h;
}

/*
 * Copy rectangle r of the upright image (W wide) into dst from src, a
 * stored-image window sw pixels wide whose top-left is stored pixel (sx0,
 * sy0); w, h are the stored image's size.  Square blocks keep the column
 * reads of a rotation within the cache: sample2 turned by orientation 6 took
 * 12 ms pixel by pixel, 5.4 ms in blocks (16 to 128 alike).
 */
static void
place(unsigned char *dst, int W, of_rect r, const unsigned char *src, int sw, int sx0, int sy0,
	  int o, int w, int h)
{
	int			ax,
				ay,
				bx,
				by;
	ptrdiff_t	step;

	/* one step right in the upright image is a fixed step in the stored one */
	stored_point(o, w, h, 0, 0, &ax, &ay);
	stored_point(o, w, h, 1, 0, &bx, &by);
	step = ((ptrdiff_t) (by - ay) * sw + (bx - ax)) * 3;
	for (int y0 = r.y; y0 < r.y + r.h; y0 += OF_PLACE_BLOCK)
		for (int x0 = r.x; x0 < r.x + r.w; x0 += OF_PLACE_BLOCK)
		{
			int			y1 = y0 + OF_PLACE_BLOCK < r.y + r.h ? y0 + OF_PLACE_BLOCK : r.y + r.h,
						n = (x0 + OF_PLACE_BLOCK < r.x + r.w ? x0 + OF_PLACE_BLOCK : r.x + r.w) - x0;

			for (int y = y0; y < y1; y++)
			{
				unsigned char *d = dst + ((size_t) y * W + x0) * 3;
				const unsigned char *p;
				int			sx,
							sy;

				stored_point(o, w, h, x0, y, &sx, &sy);
				p = src + ((size_t) (sy - sy0) * sw + (sx - sx0)) * 3;
				for (int i = 0; i < n; i++, d += 3, p += step)
				{
					d[0] = p[0];
					d[1] = p[1];
					d[2] = p[2];
				}
			}
		}
}

/*
 * Apply EXIF orientation o (2..8) to a w x h RGB buffer: returns a new buffer
 * (NULL on allocation failure) and its dimensions.
 */
static unsigned char *
reorient(const unsigned char *src, int w, int h, int o, int *ow, int *oh)
{
	unsigned char *dst = malloc((size_t) w * h * 3);

	if (dst == NULL)
		return NULL;
	upright_size(o, w, h, ow, oh);
	place(dst, *ow, (of_rect) {0, 0, *ow, *oh}, src, w, 0, 0, o, w, h);
	return dst;
}

/* ------------------------------------------------------------------- JPEG */

typedef struct jpeg_ctx
{
	struct jpeg_decompress_struct cinfo;	/* first: callbacks cast back */
	struct jpeg_error_mgr jerr;
	struct jpeg_progress_mgr progress;
	jmp_buf		jb;
	of_status	status;
	of_error   *err;
	unsigned char *rgb;
	unsigned char *cmyk_row;
	int			orientation;
	/* request: the smallest fast scale reaching min_side (> 0), or a region */
	int			min_side;
	of_rect		region;			/* w > 0: only these stored pixels, full scale */
	/* result: out_w x out_h pixels from stored column xoff, row region.y */
	unsigned	out_w,
				out_h,
				xoff;
	int			scale_num;		/* of 8 */
} jpeg_ctx;

static void
jpeg_on_error(j_common_ptr cinfo)
{
	jpeg_ctx   *c = (jpeg_ctx *) cinfo;
	char		buf[JMSG_LENGTH_MAX];
	int			code = cinfo->err->msg_code;
	of_status	st = OF_ECORRUPT;

	(*cinfo->err->format_message) (cinfo, buf);
	if (code == JERR_OUT_OF_MEMORY)
		st = OF_ENOMEM;
	else if (code == JERR_BAD_PRECISION || code == JERR_CONVERSION_NOTIMPL ||
			 code == JERR_NOT_COMPILED || code == JERR_ARITH_NOTIMPL)
		st = OF_EFORMAT;
	c->status = of_fail(c->err, st, "JPEG: %s", buf);
	longjmp(c->jb, 1);
}

/*
 * Warnings that mean pixels are missing or made up (libjpeg would pad a
 * truncated file with grey and carry on) are errors; others are ignored.
 */
static void
jpeg_on_message(j_common_ptr cinfo, int level)
{
	jpeg_ctx   *c = (jpeg_ctx *) cinfo;
	int			code = cinfo->err->msg_code;
	char		buf[JMSG_LENGTH_MAX];

	if (level >= 0)
		return;
	if (code != JWRN_JPEG_EOF && code != JWRN_HIT_MARKER && code != JWRN_HUFF_BAD_CODE &&
		code != JWRN_ARITH_BAD_CODE && code != JWRN_MUST_RESYNC && code != JWRN_BOGUS_PROGRESSION)
		return;
	(*cinfo->err->format_message) (cinfo, buf);
	c->status = of_fail(c->err, OF_ECORRUPT, "JPEG: %s", buf);
	longjmp(c->jb, 1);
}

static void
jpeg_on_output(j_common_ptr cinfo)
{
	(void) cinfo;
}

static void
jpeg_on_progress(j_common_ptr cinfo)
{
	jpeg_ctx   *c = (jpeg_ctx *) cinfo;

	if (c->cinfo.input_scan_number > OF_JPEG_MAX_SCANS)
	{
		c->status = of_fail(c->err, OF_ECORRUPT, "JPEG: more than %d scans", OF_JPEG_MAX_SCANS);
		longjmp(c->jb, 1);
	}
	if (of_cancelled())
	{
		c->status = of_fail(c->err, OF_ECANCELED, "image decoding canceled");
		longjmp(c->jb, 1);
	}
}

/* x*y/255 rounded to nearest, exact for 8-bit x, y. */
static unsigned char
mul255(unsigned x, unsigned y)
{
	unsigned	t = x * y + 128;

	return (unsigned char) ((t + (t >> 8)) >> 8);
}

static void
cmyk_to_rgb(const unsigned char *src, unsigned char *dst, unsigned w, int inverted)
{
	for (unsigned i = 0; i < w; i++, src += 4, dst += 3)
	{
		unsigned	k = inverted ? src[3] : 255u - src[3];

		for (int ch = 0; ch < 3; ch++)
			dst[ch] = mul255(inverted ? src[ch] : 255u - src[ch], k);
	}
}

/* The only function of the JPEG decoder that calls setjmp. */
static of_status
jpeg_body(jpeg_ctx *c, const unsigned char *data, size_t len, size_t max_pixels, int want_exif)
{
	j_decompress_ptr ci = &c->cinfo;
	size_t		npix;
	unsigned	w,
				h,
				y0,
				rows;
	int			cmyk;

	if (setjmp(c->jb))
		return c->status;

	jpeg_create_decompress(ci);
	ci->progress = &c->progress;
	jpeg_mem_src(ci, data, (unsigned long) len);
	if (want_exif)
		jpeg_save_markers(ci, JPEG_APP0 + 1, 0xffff);
	jpeg_read_header(ci, TRUE);

	if (ci->image_width == 0 || ci->image_height == 0)
		return of_fail(c->err, OF_ECORRUPT, "JPEG: empty image");
	npix = (size_t) ci->image_width * ci->image_height;
	if (npix > max_pixels)
		return of_fail(c->err, OF_ELIMIT, "image is %ux%u = %zu pixels, more than the limit of %zu",
					   ci->image_width, ci->image_height, npix, max_pixels);
	switch (ci->jpeg_color_space)
	{
		case JCS_GRAYSCALE:
		case JCS_YCbCr:
		case JCS_RGB:
			ci->out_color_space = JCS_RGB;
			break;
		case JCS_CMYK:
		case JCS_YCCK:
			ci->out_color_space = JCS_CMYK;
			break;
		default:
			return of_fail(c->err, OF_EFORMAT, "JPEG: unsupported colour space with %d components",
						   ci->num_components);
	}
	cmyk = ci->out_color_space == JCS_CMYK;
	ci->dct_method = JDCT_ISLOW;
	ci->do_fancy_upsampling = TRUE;
	if (want_exif)
		c->orientation = jpeg_exif_orientation(ci);
	c->scale_num = 8;
	if (c->min_side > 0)
	{
		unsigned	longer = ci->image_width > ci->image_height ? ci->image_width : ci->image_height;

		for (int num = 1; num < 8; num *= 2)
			if ((longer * num + 7) / 8 >= (unsigned) c->min_side)
			{
				c->scale_num = num;
				break;
			}
	}
	ci->scale_num = (unsigned) c->scale_num;
	ci->scale_denom = 8;

	jpeg_start_decompress(ci);
	w = ci->output_width;
	h = ci->output_height;
	if ((c->scale_num == 8 && (w != ci->image_width || h != ci->image_height)) ||
		ci->output_components != (cmyk ? 4 : 3))
		return of_fail(c->err, OF_ECORRUPT, "JPEG: unexpected output geometry");
	c->xoff = 0;
	y0 = 0;
	rows = h;
	if (c->region.w > 0)
	{
		JDIMENSION	x = (JDIMENSION) c->region.x,
					cw = (JDIMENSION) c->region.w;

		/* widened to iMCU boundaries by the library */
		if (cw < w)
			jpeg_crop_scanline(ci, &x, &cw);
		c->xoff = x;
		w = cw;
		y0 = (unsigned) c->region.y;
		rows = (unsigned) c->region.h;
	}

	c->rgb = malloc((size_t) w * rows * 3);
	if (c->rgb == NULL)
		return of_fail(c->err, OF_ENOMEM, "out of memory for a %ux%u image", w, rows);
	if (cmyk && (c->cmyk_row = malloc((size_t) w * 4)) == NULL)
		return of_fail(c->err, OF_ENOMEM, "out of memory");
	if (y0 > 0 && jpeg_skip_scanlines(ci, y0) != y0)
		return of_fail(c->err, OF_ECORRUPT, "JPEG: decoder stalled");

	while (ci->output_scanline < y0 + rows)
	{
		unsigned char *dst = c->rgb + (size_t) (ci->output_scanline - y0) * w * 3;
		JSAMPROW	row = cmyk ? c->cmyk_row : dst;

		if (jpeg_read_scanlines(ci, &row, 1) != 1)
			return of_fail(c->err, OF_ECORRUPT, "JPEG: decoder stalled");
		if (cmyk)
			cmyk_to_rgb(c->cmyk_row, dst, w, ci->saw_Adobe_marker);
	}
	c->out_w = w;
	c->out_h = rows;
	/* A region comes from a file already decoded whole, through EOI. */
	if (c->region.w > 0)
		jpeg_abort_decompress(ci);
	else
		/* Reads up to EOI: a file cut after the last scan still fails here. */
		jpeg_finish_decompress(ci);
	return OF_OK;
}

/*
 * Run the JPEG decoder with c's request (min_side, region); on success c->rgb
 * holds the pixels (the caller frees them).
 */
static of_status
run_jpeg(jpeg_ctx *c, const unsigned char *data, size_t len, size_t max_pixels, int want_exif,
		 of_error *err)
{
	of_status	st;

	if (len > ULONG_MAX)
		return of_fail(err, OF_ELIMIT, "JPEG data too large");
	c->err = err;
	c->orientation = 1;
	c->cinfo.err = jpeg_std_error(&c->jerr);
	c->jerr.error_exit = jpeg_on_error;
	c->jerr.emit_message = jpeg_on_message;
	c->jerr.output_message = jpeg_on_output;
	c->progress.progress_monitor = jpeg_on_progress;

	st = jpeg_body(c, data, len, max_pixels, want_exif);
	jpeg_destroy_decompress(&c->cinfo);
	free(c->cmyk_row);
	c->cmyk_row = NULL;
	if (st != OF_OK)
	{
		free(c->rgb);
		c->rgb = NULL;
	}
	return st;
}

/* Turn c's whole-image result upright into out (c->rgb is consumed). */
static of_status
finish_upright(jpeg_ctx *c, of_image *out, of_error *err)
{
	out->width = (int) c->out_w;
	out->height = (int) c->out_h;
	if (c->orientation > 1)
	{
		unsigned char *r = reorient(c->rgb, out->width, out->height, c->orientation,
									&out->width, &out->height);

		free(c->rgb);
		c->rgb = NULL;
		if (r == NULL)
		{
			out->width = out->height = 0;
			return of_fail(err, OF_ENOMEM, "out of memory while applying EXIF orientation");
		}
		c->rgb = r;
	}
	out->rgb = c->rgb;
	return OF_OK;
}

static of_status
decode_jpeg(const unsigned char *data, size_t len, size_t max_pixels, int want_exif,
			of_image *out, of_error *err)
{
	jpeg_ctx	c;
	of_status	st;

	memset(&c, 0, sizeof(c));
	st = run_jpeg(&c, data, len, max_pixels, want_exif, err);
	if (st != OF_OK)
		return st;
	return finish_upright(&c, out, err);
}

/* -------------------------------------------------------------------- PNG */

typedef struct png_ctx
{
	jmp_buf		jb;
	of_status	status;
	of_error   *err;
	const unsigned char *data;
	size_t		len,
				pos;
	png_structp png;
	png_infop	info;
	unsigned char *rgb;
	int			over_limit;
	png_uint_32 width,
				height;
} png_ctx;

static void
png_on_error(png_structp png, png_const_charp msg)
{
	png_ctx    *c = png_get_error_ptr(png);

	if (c->status == OF_OK)
		c->status = of_fail(c->err, c->over_limit ? OF_ELIMIT : OF_ECORRUPT, "PNG: %s", msg);
	longjmp(c->jb, 1);
}

static void
png_on_warning(png_structp png, png_const_charp msg)
{
	png_ctx    *c = png_get_error_ptr(png);

	if (strstr(msg, "exceeds user limit") != NULL)
		c->over_limit = 1;
}

static void
png_on_read(png_structp png, png_bytep dst, size_t n)
{
	png_ctx    *c = png_get_io_ptr(png);

	if (n > c->len - c->pos)
	{
		c->status = of_fail(c->err, OF_ECORRUPT, "PNG: truncated data");
		png_error(png, "truncated data");
	}
	memcpy(dst, c->data + c->pos, n);
	c->pos += n;
}

/* Ancillary chunks that can make libpng allocate and that we never use. */
static const png_byte png_ignored_chunks[] =
"iCCP\0sPLT\0tEXt\0zTXt\0iTXt\0eXIf\0hIST\0pCAL\0sCAL\0tIME\0";

/* The only function of the PNG decoder that calls setjmp. */
static of_status
png_body(png_ctx *c, size_t max_pixels)
{
	png_uint_32 w,
				h;
	int			depth,
				ctype,
				interlace,
				passes;
	size_t		npix;
	png_uint_32 dim_max = max_pixels < 0x7fffffffu ? (png_uint_32) max_pixels : 0x7fffffffu;

	if (setjmp(c->jb))
		return c->status;

	c->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_on_error, png_on_warning);
	if (c->png == NULL)
		return of_fail(c->err, OF_ENOMEM, "PNG: cannot create decoder");
	c->info = png_create_info_struct(c->png);
	if (c->info == NULL)
		return of_fail(c->err, OF_ENOMEM, "PNG: cannot create decoder");
	png_set_read_fn(c->png, c, png_on_read);
	png_set_user_limits(c->png, dim_max, dim_max);
	png_set_chunk_cache_max(c->png, OF_PNG_CHUNK_CACHE);
	png_set_chunk_malloc_max(c->png, OF_PNG_CHUNK_MAX);
	png_set_keep_unknown_chunks(c->png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
	png_set_keep_unknown_chunks(c->png, PNG_HANDLE_CHUNK_NEVER, png_ignored_chunks,
								(int) (sizeof(png_ignored_chunks) / 5));

	png_read_info(c->png, c->info);
	png_get_IHDR(c->png, c->info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
	if (w == 0 || h == 0)
		return of_fail(c->err, OF_ECORRUPT, "PNG: empty image");
	npix = (size_t) w * h;
	if (npix > max_pixels)
		return of_fail(c->err, OF_ELIMIT, "image is %ux%u = %zu pixels, more than the limit of %zu",
					   (unsigned) w, (unsigned) h, npix, max_pixels);

	if (depth == 16)
		png_set_strip_16(c->png);
	if (ctype == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(c->png);
	if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(c->png);
	if (ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_GRAY_ALPHA)
		png_set_gray_to_rgb(c->png);
	png_set_strip_alpha(c->png);
	passes = png_set_interlace_handling(c->png);
	png_read_update_info(c->png, c->info);
	if (png_get_rowbytes(c->png, c->info) != (size_t) w * 3)
		return of_fail(c->err, OF_EFORMAT, "PNG: unsupported pixel layout (colour type %d, depth %d)",
					   ctype, depth);

	c->rgb = malloc(npix * 3);
	if (c->rgb == NULL)
		return of_fail(c->err, OF_ENOMEM, "out of memory for a %ux%u image", (unsigned) w, (unsigned) h);
	c->width = w;
	c->height = h;
	/* Interlaced passes refine the rows in place, as png_read_image does. */
	for (int pass = 0; pass < passes; pass++)
	{
		for (png_uint_32 y = 0; y < h; y++)
		{
			if ((y & 63) == 0 && of_cancelled())
				return of_fail(c->err, OF_ECANCELED, "image decoding canceled");
			png_read_row(c->png, c->rgb + (size_t) y * w * 3, NULL);
		}
	}
	/* Reads up to IEND: a file cut after the image data still fails here. */
	png_read_end(c->png, NULL);
	return OF_OK;
}

static of_status
decode_png(const unsigned char *data, size_t len, size_t max_pixels, of_image *out, of_error *err)
{
	png_ctx		c;
	of_status	st;

	memset(&c, 0, sizeof(c));
	c.err = err;
	c.data = data;
	c.len = len;
	st = png_body(&c, max_pixels);
	if (c.png != NULL)
		png_destroy_read_struct(&c.png, c.info != NULL ? &c.info : NULL, NULL);
	if (st != OF_OK)
	{
		free(c.rgb);
		return st;
	}
	out->width = (int) c.width;
	out->height = (int) c.height;
	out->rgb = c.rgb;
	return OF_OK;
}

/* ------------------------------------------------------------------- HEIF */

static of_status
heif_status(const struct heif_error *e)
{
	switch (e->code)
	{
		case heif_error_Memory_allocation_error:
			return OF_ENOMEM;
		case heif_error_Unsupported_filetype:
		case heif_error_Unsupported_feature:
			return OF_EFORMAT;
		default:
			return OF_ECORRUPT;
	}
}

/* libheif's message, which may end in a newline, as an of_error. */
static of_status
heif_fail(of_error *err, const struct heif_error *e)
{
	of_status	st = heif_status(e);
	size_t		n;

	of_fail(err, st, "HEIF: %s", e->message);
	if (err != NULL)
		for (n = strlen(err->msg); n > 0 && (err->msg[n - 1] == '\n' || err->msg[n - 1] == ' '); n--)
			err->msg[n - 1] = '\0';
	return st;
}

/*
 * The picture size each HEVC parameter set in the file's hvcC boxes codes.
 * libheif (1.15) hands the stream to the HEVC decoder without comparing it
 * with ispe, and the decoder allocates whatever the stream's SPS says: a
 * few kB claiming a 64x64 ispe decoded a 4096x4096 picture.  So the SPS
 * sizes are checked too, before decoding.  (An SPS repeated inside the
 * coded data is not looked for; the decoded size is checked afterwards.)
 */
typedef struct bitreader
{
	const unsigned char *p;
	size_t		nbits,
				pos;
} bitreader;

static uint64_t
read_bits(bitreader *b, int n, int *bad)
{
	uint64_t	v = 0;

	if (b->nbits - b->pos < (size_t) n)
	{
		*bad = 1;
		return 0;
	}
	for (int i = 0; i < n; i++, b->pos++)
		v = v << 1 | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1u);
	return v;
}

/* Exp-Golomb ue(v); values past 32 bits are damage. */
static uint64_t
read_ue(bitreader *b, int *bad)
{
	int			zeros = 0;

	while (!*bad && read_bits(b, 1, bad) == 0)
		if (++zeros > 32)
			*bad = 1;
	return *bad ? 0 : ((uint64_t) 1 << zeros) - 1 + read_bits(b, zeros, bad);
}

/*
 * The picture size an SPS NAL unit (header included) codes, less its
 * cropped padding; 0 when unreadable.
 */
static int
sps_size(const unsigned char *nal, size_t n, uint64_t *w, uint64_t *h)
{
	unsigned char rbsp[OF_SPS_HEAD];
	size_t		m = 0;
	int			bad = 0,
				sub,
				profile[OF_HEVC_MAX_SUB_LAYERS] = {0},
				level[OF_HEVC_MAX_SUB_LAYERS] = {0};
	uint64_t	chroma;
	bitreader	b = {rbsp, 0, 0};

	/* drop the emulation prevention bytes (00 00 03) */
	for (size_t i = OF_HEVC_NAL_HEADER; i < n && m < sizeof(rbsp); i++)
	{
		if (i >= OF_HEVC_NAL_HEADER + 2 && nal[i] == 3 && nal[i - 1] == 0 && nal[i - 2] == 0)
			continue;
		rbsp[m++] = nal[i];
	}
	b.nbits = m * 8;
	read_bits(&b, 4, &bad);		/* sps_video_parameter_set_id */
	sub = (int) read_bits(&b, 3, &bad);	/* sps_max_sub_layers_minus1 */
	read_bits(&b, 1, &bad);		/* sps_temporal_id_nesting_flag */
	read_bits(&b, OF_HEVC_PTL_GENERAL_BITS, &bad);
	for (int i = 0; i < sub; i++)
	{
		profile[i] = (int) read_bits(&b, 1, &bad);
		level[i] = (int) read_bits(&b, 1, &bad);
	}
	if (sub > 0)
		read_bits(&b, 2 * (OF_HEVC_MAX_SUB_LAYERS + 1 - sub), &bad);	/* reserved_zero_2bits */
	for (int i = 0; i < sub; i++)
	{
		if (profile[i])
			read_bits(&b, OF_HEVC_PTL_PROFILE_BITS, &bad);
		if (level[i])
			read_bits(&b, OF_HEVC_PTL_LEVEL_BITS, &bad);
	}
	read_ue(&b, &bad);			/* sps_seq_parameter_set_id */
	chroma = read_ue(&b, &bad);
	if (chroma == 3)
		read_bits(&b, 1, &bad);	/* separate_colour_plane_flag */
	*w = read_ue(&b, &bad);
	*h = read_ue(&b, &bad);
	/* the conformance window crops the coding-block padding: up to one CTB of it is not counted */
	if (read_bits(&b, 1, &bad))
	{
		uint64_t	sub_w = chroma == 1 || chroma == 2 ? 2 : 1,
					sub_h = chroma == 1 ? 2 : 1,
					cw = sub_w * read_ue(&b, &bad),
					ch;

		cw += sub_w * read_ue(&b, &bad);
		ch = sub_h * read_ue(&b, &bad);
		ch += sub_h * read_ue(&b, &bad);
		if (cw >= *w || ch >= *h)
			return 0;
		*w -= cw < OF_HEVC_MAX_CTB ? cw : OF_HEVC_MAX_CTB;
		*h -= ch < OF_HEVC_MAX_CTB ? ch : OF_HEVC_MAX_CTB;
	}
	return !bad;
}

/* Box at p (n bytes left): its payload's offset and length; 0 when malformed. */
static int
box_at(const unsigned char *p, size_t n, size_t *head, size_t *len)
{
	uint64_t	size;

	if (n < OF_BOX_HEADER)
		return 0;
	size = rd32(p, 0);
	*head = OF_BOX_HEADER;
	if (size == 1)
	{
		if (n < OF_BOX_HEADER + 8)
			return 0;
		size = (uint64_t) rd32(p + 8, 0) << 32 | rd32(p + 12, 0);
		*head += 8;
	}
	else if (size == 0)
		size = n;
	if (size < *head || size > n)
		return 0;
	*len = (size_t) size - *head;
	return 1;
}

/* The payload of the first box of type t among the boxes in p[0..n). */
static const unsigned char *
child_box(const unsigned char *p, size_t n, const char *t, size_t *len)
{
	size_t		head,
				blen;

	for (size_t pos = 0; box_at(p + pos, n - pos, &head, &blen); pos += head + blen)
		if (memcmp(p + pos + 4, t, 4) == 0)
		{
			*len = blen;
			return p + pos + head;
		}
	return NULL;
}

/* Every SPS in meta/iprp/ipco/hvcC codes at most max_pixels. */
static of_status
heif_check_sps(const unsigned char *data, size_t len, size_t max_pixels, of_error *err)
{
	size_t		n,
				head,
				blen;
	const unsigned char *meta = child_box(data, len, "meta", &n),
			   *p;

	if (meta == NULL || n < OF_FULL_BOX_HEADER ||
		(p = child_box(meta + OF_FULL_BOX_HEADER, n - OF_FULL_BOX_HEADER, "iprp", &n)) == NULL ||
		(p = child_box(p, n, "ipco", &n)) == NULL)
		return OF_OK;			/* libheif names what is missing */
	for (size_t pos = 0; box_at(p + pos, n - pos, &head, &blen); pos += head + blen)
	{
		const unsigned char *c = p + pos + head;
		size_t		at = OF_HVCC_ARRAYS + 1;

		if (memcmp(p + pos + 4, "hvcC", 4) != 0 || blen <= OF_HVCC_ARRAYS)
			continue;
		for (int a = 0; a < c[OF_HVCC_ARRAYS] && blen - at >= 3; a++)
		{
			int			type = c[at] & 0x3f;
			unsigned	count = rd16(c + at + 1, 0);

			at += 3;
			for (unsigned k = 0; k < count && blen - at >= 2; k++)
			{
				size_t		nal = rd16(c + at, 0);
				uint64_t	w,
							h;

				at += 2;
				if (nal > blen - at)
					return of_fail(err, OF_ECORRUPT, "HEIF: hvcC box overruns its size");
				if (type == OF_HEVC_SPS)
				{
					if (!sps_size(c + at, nal, &w, &h) || w == 0 || h == 0)
						return of_fail(err, OF_ECORRUPT, "HEIF: unreadable HEVC sequence parameter set");
					if (w > max_pixels / h)
						return of_fail(err, OF_ELIMIT,
									   "HEVC stream codes a %llux%llu picture, more than the limit of %zu pixels",
									   (unsigned long long) w, (unsigned long long) h, max_pixels);
				}
				at += nal;
			}
		}
	}
	return OF_OK;
}

/* Both a size and the size before transformations stay within max_pixels. */
static of_status
heif_check_size(const struct heif_image_handle *h, size_t max_pixels, of_error *err)
{
	int			w = heif_image_handle_get_width(h),
				ht = heif_image_handle_get_height(h),
				iw = heif_image_handle_get_ispe_width(h),
				ih = heif_image_handle_get_ispe_height(h);
	size_t		npix;

	if (w <= 0 || ht <= 0)
		return of_fail(err, OF_ECORRUPT, "HEIF: empty image");
	npix = (size_t) w * (size_t) ht;
	if (iw > 0 && ih > 0 && (size_t) iw * (size_t) ih > npix)
	{
		npix = (size_t) iw * (size_t) ih;
		w = iw;
		ht = ih;
	}
	if (npix > max_pixels)
		return of_fail(err, OF_ELIMIT, "image is %dx%d = %zu pixels, more than the limit of %zu",
					   w, ht, npix, max_pixels);
	return OF_OK;
}

typedef struct heif_ctx
{
	struct heif_context *ctx;
	struct heif_image_handle *handle;
	struct heif_decoding_options *opts;
	struct heif_image *img;
} heif_ctx;

/*
 * libheif applies the irot/imir/clap transformations itself unless told to
 * ignore them, so a HEIF is turned upright exactly when a JPEG's EXIF
 * orientation would be; the HEIF's own EXIF orientation is ignored, as the
 * HEIF specification says (irot/imir already describe it).
 */
static of_status
heif_body(heif_ctx *c, const unsigned char *data, size_t len, size_t max_pixels, int want_exif,
		  of_image *out, of_error *err)
{
	struct heif_error e;
	const uint8_t *plane;
	int			stride,
				w,
				h;
	of_status	st;

	c->ctx = heif_context_alloc();
	c->opts = heif_decoding_options_alloc();
	if (c->ctx == NULL || c->opts == NULL)
		return of_fail(err, OF_ENOMEM, "HEIF: cannot create decoder");
	/* tiles in the calling thread: no threads in a backend, cancels stay prompt */
	heif_context_set_max_decoding_threads(c->ctx, 0);
	e = heif_context_read_from_memory_without_copy(c->ctx, data, len, NULL);
	if (e.code != heif_error_Ok)
		return heif_fail(err, &e);
	e = heif_context_get_primary_image_handle(c->ctx, &c->handle);
	if (e.code != heif_error_Ok)
		return heif_fail(err, &e);
	st = heif_check_size(c->handle, max_pixels, err);
	if (st == OF_OK)
		st = heif_check_sps(data, len, max_pixels, err);
	if (st != OF_OK)
		return st;
	if (of_cancelled())
		return of_fail(err, OF_ECANCELED, "image decoding canceled");

	c->opts->ignore_transformations = !want_exif;
	c->opts->convert_hdr_to_8bit = 1;
	c->opts->strict_decoding = 1;
	e = heif_decode_image(c->handle, &c->img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, c->opts);
	if (e.code != heif_error_Ok)
		return heif_fail(err, &e);
	w = heif_image_get_width(c->img, heif_channel_interleaved);
	h = heif_image_get_height(c->img, heif_channel_interleaved);
	plane = heif_image_get_plane_readonly(c->img, heif_channel_interleaved, &stride);
	if (plane == NULL || w <= 0 || h <= 0 || stride < w * 3)
		return of_fail(err, OF_ECORRUPT, "HEIF: decoder returned no pixels");
	/* the coded stream may disagree with the header */
	if ((size_t) w * (size_t) h > max_pixels)
		return of_fail(err, OF_ELIMIT, "image is %dx%d = %zu pixels, more than the limit of %zu",
					   w, h, (size_t) w * (size_t) h, max_pixels);
	if (of_cancelled())
		return of_fail(err, OF_ECANCELED, "image decoding canceled");

	out->rgb = malloc((size_t) w * h * 3);
	if (out->rgb == NULL)
		return of_fail(err, OF_ENOMEM, "out of memory for a %dx%d image", w, h);
	for (int y = 0; y < h; y++)
		memcpy(out->rgb + (size_t) y * w * 3, plane + (size_t) y * stride, (size_t) w * 3);
	out->width = w;
	out->height = h;
	return OF_OK;
}

static of_status
decode_heif(const unsigned char *data, size_t len, size_t max_pixels, int want_exif,
			of_image *out, of_error *err)
{
	heif_ctx	c = {0};
	of_status	st = heif_body(&c, data, len, max_pixels, want_exif, out, err);

	if (c.img != NULL)
		heif_image_release(c.img);
	if (c.handle != NULL)
		heif_image_handle_release(c.handle);
	heif_decoding_options_free(c.opts);
	if (c.ctx != NULL)
		heif_context_free(c.ctx);
	return st;
}

/* ------------------------------------------------------------------- WebP */

/*
 * EXIF orientation of a WebP: its EXIF chunk holds a TIFF block (some
 * writers keep the JPEG's "Exif\0\0" prefix); 1 when absent or bad.
 */
static int
webp_exif_orientation(const unsigned char *p, size_t len)
{
	for (size_t pos = OF_WEBP_HEADER; pos <= len && len - pos >= OF_RIFF_CHUNK_HEADER;)
	{
		const unsigned char *t = p + pos + OF_RIFF_CHUNK_HEADER;
		size_t		n = rd32(p + pos + 4, 1);

		if (n > len - pos - OF_RIFF_CHUNK_HEADER)
			break;
		if (memcmp(p + pos, "EXIF", 4) == 0)
		{
			if (n >= 6 && memcmp(t, "Exif\0\0", 6) == 0)
				t += 6, n -= 6;
			return tiff_orientation(t, n);
		}
		/* chunks are padded to an even size */
		pos += OF_RIFF_CHUNK_HEADER + n + (n & 1);
	}
	return 1;
}

static of_status
webp_fail(of_error *err, VP8StatusCode code)
{
	switch (code)
	{
		case VP8_STATUS_OUT_OF_MEMORY:
			return of_fail(err, OF_ENOMEM, "WebP: out of memory");
		case VP8_STATUS_UNSUPPORTED_FEATURE:
			return of_fail(err, OF_EFORMAT, "WebP: unsupported feature");
		case VP8_STATUS_NOT_ENOUGH_DATA:
			return of_fail(err, OF_ECORRUPT, "WebP: data ends early (truncated or corrupt)");
		default:
			return of_fail(err, OF_ECORRUPT, "WebP: corrupt data (status %d)", (int) code);
	}
}

static of_status
decode_webp(const unsigned char *data, size_t len, size_t max_pixels, int want_exif,
			of_image *out, of_error *err)
{
	WebPDecoderConfig cfg;
	VP8StatusCode code;
	size_t		npix;
	int			o = want_exif ? webp_exif_orientation(data, len) : 1;
	unsigned char *rgb;

	if (!WebPInitDecoderConfig(&cfg))
		return of_fail(err, OF_EFORMAT, "WebP: decoder library version mismatch");
	code = WebPGetFeatures(data, len, &cfg.input);
	if (code != VP8_STATUS_OK)
		return webp_fail(err, code);
	if (cfg.input.has_animation)
		return of_fail(err, OF_EFORMAT, "WebP: animated images are not decoded");
	if (cfg.input.width <= 0 || cfg.input.height <= 0)
		return of_fail(err, OF_ECORRUPT, "WebP: empty image");
	npix = (size_t) cfg.input.width * (size_t) cfg.input.height;
	if (npix > max_pixels)
		return of_fail(err, OF_ELIMIT, "image is %dx%d = %zu pixels, more than the limit of %zu",
					   cfg.input.width, cfg.input.height, npix, max_pixels);
	if (of_cancelled())
		return of_fail(err, OF_ECANCELED, "image decoding canceled");

	rgb = malloc(npix * 3);
	if (rgb == NULL)
		return of_fail(err, OF_ENOMEM, "out of memory for a %dx%d image",
					   cfg.input.width, cfg.input.height);
	cfg.output.colorspace = MODE_RGB;
	cfg.output.is_external_memory = 1;
	cfg.output.u.RGBA.rgba = rgb;
	cfg.output.u.RGBA.stride = cfg.input.width * 3;
	cfg.output.u.RGBA.size = npix * 3;
	code = WebPDecode(data, len, &cfg);
	WebPFreeDecBuffer(&cfg.output);
	if (code != VP8_STATUS_OK)
	{
		free(rgb);
		return webp_fail(err, code);
	}
	out->width = cfg.input.width;
	out->height = cfg.input.height;
	out->rgb = rgb;
	if (o > 1)
	{
		unsigned char *r = reorient(rgb, out->width, out->height, o, &out->width, &out->height);

		free(rgb);
		out->rgb = r;
		if (r == NULL)
		{
			out->width = out->height = 0;
			return of_fail(err, OF_ENOMEM, "out of memory while applying EXIF orientation");
		}
	}
	return OF_OK;
}

/* ----------------------------------------------------------------- public */

/* Check the arguments, read the options and sniff the container. */
static of_status
decode_setup(const void *data, size_t len, const of_decode_opts *opts, size_t *max_pixels,
			 int *want_exif, int *kind, of_error *err)
{
	*max_pixels = OF_DEFAULT_MAX_PIXELS;
	*want_exif = 0;
	if (data == NULL && len > 0)
		return of_fail(err, OF_EINVAL, "of_image_decode: no input data");
	if (opts != NULL)
	{
		if (opts->max_pixels > 0)
			*max_pixels = opts->max_pixels;
		*want_exif = opts->apply_exif_orientation != 0;
	}
	/* keep w*h*3 and the int dimensions of of_image representable */
	if (*max_pixels > SIZE_MAX / 3)
		*max_pixels = SIZE_MAX / 3;
	return sniff(data, len, kind, err);
}

/* The whole image of a sniffed kind, upright when want_exif. */
static of_status
decode_kind(int kind, const unsigned char *data, size_t len, size_t max_pixels, int want_exif,
			of_image *out, of_error *err)
{
	switch (kind)
	{
		case KIND_JPEG:
			return decode_jpeg(data, len, max_pixels, want_exif, out, err);
		case KIND_PNG:
			return decode_png(data, len, max_pixels, out, err);
		case KIND_HEIF:
			return decode_heif(data, len, max_pixels, want_exif, out, err);
		default:
			return decode_webp(data, len, max_pixels, want_exif, out, err);
	}
}

of_status
of_image_decode(const void *data, size_t len, const of_decode_opts *opts, of_image *out,
				of_error *err)
{
	size_t		max_pixels;
	int			want_exif;
	int			kind = KIND_JPEG;
	of_status	st;

	if (out == NULL)
		return of_fail(err, OF_EINVAL, "of_image_decode: no output image");
	out->width = out->height = 0;
	out->rgb = NULL;
	st = decode_setup(data, len, opts, &max_pixels, &want_exif, &kind, err);
	if (st != OF_OK)
		return st;
	return decode_kind(kind, data, len, max_pixels, want_exif, out, err);
}

of_status
of_photo_open(const void *data, size_t len, const of_decode_opts *opts, int detect_side,
			  of_photo *p, of_error *err)
{
	size_t		max_pixels;
	int			want_exif,
				kind = KIND_JPEG,
				sw,
				sh;
	jpeg_ctx	c;
	of_status	st;

	memset(p, 0, sizeof(*p));
	st = decode_setup(data, len, opts, &max_pixels, &want_exif, &kind, err);
	if (st != OF_OK)
		return st;
	/* only JPEG decodes at a reduced scale: the others are decoded whole */
	if (kind != KIND_JPEG || detect_side <= 0)
	{
		st = decode_kind(kind, data, len, max_pixels, want_exif, &p->full, err);
		p->view = p->full;
		p->have = (of_rect) {0, 0, p->full.width, p->full.height};
		return st;
	}
	memset(&c, 0, sizeof(c));
	c.min_side = detect_side;
	st = run_jpeg(&c, data, len, max_pixels, want_exif, err);
	if (st != OF_OK)
		return st;
	sw = (int) c.cinfo.image_width;
	sh = (int) c.cinfo.image_height;
	st = finish_upright(&c, &p->view, err);
	if (st != OF_OK)
		return st;
	if (c.scale_num == 8)
	{
		p->full = p->view;
		p->have = (of_rect) {0, 0, p->full.width, p->full.height};
		return OF_OK;
	}
	p->data = data;
	p->len = len;
	p->orientation = c.orientation;
	upright_size(c.orientation, sw, sh, &p->full.width, &p->full.height);
	return OF_OK;
}

int
of_photo_scaled(const of_photo *p)
{
	return p->data != NULL;
}

static int
rect_inside(of_rect a, of_rect b)
{
	return a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
}

static int
min_int(int a, int b)
{
	return a < b ? a : b;
}

static int
max_int(int a, int b)
{
	return a > b ? a : b;
}

of_rect
of_rect_union(of_rect a, of_rect b)
{
	int			x1 = max_int(a.x + a.w, b.x + b.w),
				y1 = max_int(a.y + a.h, b.y + b.h);

	a.x = min_int(a.x, b.x);
	a.y = min_int(a.y, b.y);
	a.w = x1 - a.x;
	a.h = y1 - a.y;
	return a;
}

of_status
of_photo_need(of_photo *p, of_rect r, of_error *err)
{
	int			W = p->full.width,
				H = p->full.height,
				o = p->orientation,
				w,
				h,
				ax,
				ay,
				bx,
				by;
	of_rect		u,
				s;
	jpeg_ctx	c;
	of_status	st;

	/* clip to the photo */
	u.x = max_int(r.x, 0);
	u.y = max_int(r.y, 0);
	u.w = min_int(r.x + r.w, W) - u.x;
	u.h = min_int(r.y + r.h, H) - u.y;
	if (u.w <= 0 || u.h <= 0 || rect_inside(u, p->have))
		return OF_OK;
	/* one rectangle holds everything decoded so far */
	if (p->have.w > 0)
		u = of_rect_union(u, p->have);
	if (p->full.rgb == NULL && (p->full.rgb = calloc((size_t) W * H, 3)) == NULL)
		return of_fail(err, OF_ENOMEM, "out of memory for a %dx%d image", W, H);

	/* the stored pixels of u, with a margin */
	upright_size(o, W, H, &w, &h);
	stored_point(o, w, h, u.x, u.y, &ax, &ay);
	stored_point(o, w, h, u.x + u.w - 1, u.y + u.h - 1, &bx, &by);
	s.x = max_int(min_int(ax, bx) - OF_JPEG_REGION_MARGIN, 0);
	s.y = max_int(min_int(ay, by) - OF_JPEG_REGION_MARGIN, 0);
	s.w = min_int(max_int(ax, bx) + 1 + OF_JPEG_REGION_MARGIN, w) - s.x;
	s.h = min_int(max_int(ay, by) + 1 + OF_JPEG_REGION_MARGIN, h) - s.y;

	memset(&c, 0, sizeof(c));
	c.region = s;
	st = run_jpeg(&c, p->data, p->len, (size_t) w * h, 0, err);
	if (st != OF_OK)
		return st;
	place(p->full.rgb, W, u, c.rgb, (int) c.out_w, (int) c.xoff, s.y, o, w, h);
	free(c.rgb);
	p->have = u;
	return OF_OK;
}

void
of_photo_free(of_photo *p)
{
	if (p == NULL)
		return;
	if (p->view.rgb != p->full.rgb)
		free(p->view.rgb);
	free(p->full.rgb);
	memset(p, 0, sizeof(*p));
}

void
of_image_free(of_image *img)
{
	if (img == NULL)
		return;
	free(img->rgb);
	img->rgb = NULL;
	img->width = img->height = 0;
}
