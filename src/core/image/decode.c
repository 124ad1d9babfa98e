/*
 * JPEG/PNG → RGB8.  The policies are listed in image.h.
 *
 * Both libraries report fatal errors through a callback that must not
 * return.  Each decoder keeps all of its state in a context struct owned by
 * the (setjmp-free) entry function; a separate body function calls setjmp
 * and the callbacks longjmp back into it, never further.  Because the state
 * lives outside the frame that called setjmp, nothing is lost across the
 * jump, and the entry function frees whatever was allocated.
 */
#include "image/image.h"

#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

/* Progressive JPEGs can repeat scans to burn CPU; real files use < 20. */
#define OF_JPEG_MAX_SCANS 500
/* Largest single ancillary PNG chunk we let libpng buffer. */
#define OF_PNG_CHUNK_MAX ((png_alloc_size_t) 8 * 1024 * 1024)
#define OF_PNG_CHUNK_CACHE 256

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* ---------------------------------------------------------------- sniffing */

enum
{
	KIND_JPEG,
	KIND_PNG
};

/* Name a container we recognise but do not decode, or NULL. */
static const char *
other_format_name(const unsigned char *p, size_t len)
{
	if (len >= 4 && memcmp(p, "GIF8", 4) == 0)
		return "GIF";
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "WebP";
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
			return "HEIF";
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
	name = other_format_name(p, len);
	if (name)
		return of_fail(err, OF_EFORMAT, "unsupported image format: %s (only JPEG and PNG are decoded)", name);
	if (len < 4)
		return of_fail(err, OF_ECORRUPT, "image data too short (%zu bytes)", len);
	return of_fail(err, OF_EFORMAT,
				   "unsupported image format: unknown signature 0x%02x%02x%02x%02x (expected JPEG or PNG)",
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
 * Apply EXIF orientation o (2..8) to a w×h RGB buffer: returns a new buffer
 * (NULL on allocation failure) and its dimensions.
 */
static unsigned char *
reorient(const unsigned char *src, int w, int h, int o, int *ow, int *oh)
{
	int			swap = o >= 5;
	int			W = swap ? h : w,
				H = swap ? w : h;
	unsigned char *dst = malloc((size_t) w * h * 3);

	if (dst == NULL)
		return NULL;
	for (int y = 0; y < H; y++)
	{
		for (int x = 0; x < W; x++)
		{
			int			sx,
						sy;

			switch (o)
			{
				case 2:
					sx = w - 1 - x, sy = y;
					break;
				case 3:
					sx = w - 1 - x, sy = h - 1 - y;
					break;
				case 4:
					sx = x, sy = h - 1 - y;
					break;
				case 5:
					sx = y, sy = x;
					break;
				case 6:
					sx = y, sy = h - 1 - x;
					break;
				case 7:
					sx = w - 1 - y, sy = h - 1 - x;
					break;
				default:		/* 8 */
					sx = w - 1 - y, sy = x;
					break;
			}
			memcpy(dst + ((size_t) y * W + x) * 3, src + ((size_t) sy * w + sx) * 3, 3);
		}
	}
	*ow = W;
	*oh = H;
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
	unsigned	w;
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

	jpeg_start_decompress(ci);
	w = ci->output_width;
	if (w != ci->image_width || ci->output_height != ci->image_height ||
		ci->output_components != (cmyk ? 4 : 3))
		return of_fail(c->err, OF_ECORRUPT, "JPEG: unexpected output geometry");

	c->rgb = malloc(npix * 3);
	if (c->rgb == NULL)
		return of_fail(c->err, OF_ENOMEM, "out of memory for a %ux%u image", w, ci->output_height);
	if (cmyk && (c->cmyk_row = malloc((size_t) w * 4)) == NULL)
		return of_fail(c->err, OF_ENOMEM, "out of memory");

	while (ci->output_scanline < ci->output_height)
	{
		unsigned char *dst = c->rgb + (size_t) ci->output_scanline * w * 3;
		JSAMPROW	row = cmyk ? c->cmyk_row : dst;

		if (jpeg_read_scanlines(ci, &row, 1) != 1)
			return of_fail(c->err, OF_ECORRUPT, "JPEG: decoder stalled");
		if (cmyk)
			cmyk_to_rgb(c->cmyk_row, dst, w, ci->saw_Adobe_marker);
	}
	/* Reads up to EOI: a file cut after the last scan still fails here. */
	jpeg_finish_decompress(ci);
	return OF_OK;
}

static of_status
decode_jpeg(const unsigned char *data, size_t len, size_t max_pixels, int want_exif,
			of_image *out, of_error *err)
{
	jpeg_ctx	c;
	of_status	st;

	if (len > ULONG_MAX)
		return of_fail(err, OF_ELIMIT, "JPEG data too large");
	memset(&c, 0, sizeof(c));
	c.err = err;
	c.orientation = 1;
	c.cinfo.err = jpeg_std_error(&c.jerr);
	c.jerr.error_exit = jpeg_on_error;
	c.jerr.emit_message = jpeg_on_message;
	c.jerr.output_message = jpeg_on_output;
	c.progress.progress_monitor = jpeg_on_progress;

	st = jpeg_body(&c, data, len, max_pixels, want_exif);
	out->width = (int) c.cinfo.image_width;
	out->height = (int) c.cinfo.image_height;
	jpeg_destroy_decompress(&c.cinfo);
	free(c.cmyk_row);
	if (st != OF_OK)
	{
		free(c.rgb);
		out->width = out->height = 0;
		return st;
	}
	if (c.orientation > 1)
	{
		int			ow,
					oh;
		unsigned char *r = reorient(c.rgb, out->width, out->height, c.orientation, &ow, &oh);

		free(c.rgb);
		if (r == NULL)
		{
			out->width = out->height = 0;
			return of_fail(err, OF_ENOMEM, "out of memory while applying EXIF orientation");
		}
		c.rgb = r;
		out->width = ow;
		out->height = oh;
	}
	out->rgb = c.rgb;
	return OF_OK;
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

/* ----------------------------------------------------------------- public */

of_status
of_image_decode(const void *data, size_t len, const of_decode_opts *opts, of_image *out,
				of_error *err)
{
	size_t		max_pixels = OF_DEFAULT_MAX_PIXELS;
	int			want_exif = 0;
	int			kind = KIND_JPEG;
	of_status	st;

	if (out == NULL)
		return of_fail(err, OF_EINVAL, "of_image_decode: no output image");
	out->width = out->height = 0;
	out->rgb = NULL;
	if (data == NULL && len > 0)
		return of_fail(err, OF_EINVAL, "of_image_decode: no input data");
	if (opts != NULL)
	{
		if (opts->max_pixels > 0)
			max_pixels = opts->max_pixels;
		want_exif = opts->apply_exif_orientation != 0;
	}
	/* keep w*h*3 and the int dimensions of of_image representable */
	if (max_pixels > SIZE_MAX / 3)
		max_pixels = SIZE_MAX / 3;

	st = sniff(data, len, &kind, err);
	if (st != OF_OK)
		return st;
	if (kind == KIND_JPEG)
		return decode_jpeg(data, len, max_pixels, want_exif, out, err);
	return decode_png(data, len, max_pixels, out, err);
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
