/*
 * of_image_decode / of_image_encode_png: reference JPEGs bit for bit,
 * generated PNG and JPEG variants with hand-known pixels, and hostile input.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include "image/image.h"
#include "test_files.h"
#include "unit.h"

/* ---------------------------------------------------------------- helpers */

static uint32_t
crc32_bytes(const unsigned char *p, size_t n)
{
	uint32_t	c = 0xffffffffu;

	for (size_t i = 0; i < n; i++)
	{
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}

static void
put32be(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
}

static int
near(int a, int b, int tol)
{
	return a - b <= tol && b - a <= tol;
}

static uint32_t rng_state = 12345;

static unsigned
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 16) & 0x7fff;
}

/* decode and keep only the status (and message) */
static of_status
decode_status(const void *data, size_t len, size_t max_pixels, of_error *err)
{
	of_decode_opts o = {max_pixels, 0};
	of_image	img;
	of_status	st;

	memset(err, 0, sizeof(*err));
	st = of_image_decode(data, len, &o, &img, err);
	if (st != OF_OK && (img.rgb != NULL || img.width != 0 || img.height != 0))
		st = (of_status) 99;	/* a failed decode must leave an empty image */
	of_image_free(&img);
	return st;
}

/* ------------------------------------------------------- PNG generation */

typedef struct membuf
{
	unsigned char *p;
	size_t		len,
				cap;
} membuf;

static void
membuf_write(png_structp png, png_bytep d, size_t n)
{
	membuf	   *m = png_get_io_ptr(png);

	if (m->len + n > m->cap)
	{
		m->cap = (m->len + n) * 2;
		m->p = realloc(m->p, m->cap);
	}
	memcpy(m->p + m->len, d, n);
	m->len += n;
}

static void
membuf_flush(png_structp png)
{
	(void) png;
}

/*
 * Write a PNG from raw rows (already packed in the PNG sample layout,
 * 16-bit samples big-endian).  pal/npal and trans/ntrans optional.
 */
static unsigned char *
make_png(int w, int h, int ctype, int depth, int interlace, const unsigned char *raw,
		 const png_color *pal, int npal, const png_byte *trans, int ntrans, size_t *len)
{
	membuf		m = {NULL, 0, 0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop	info = png_create_info_struct(png);
	size_t		rowbytes;

	if (setjmp(png_jmpbuf(png)))
	{
		png_destroy_write_struct(&png, &info);
		free(m.p);
		return NULL;
	}
	png_set_write_fn(png, &m, membuf_write, membuf_flush);
	png_set_IHDR(png, info, (png_uint_32) w, (png_uint_32) h, depth, ctype,
				 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
				 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (pal)
		png_set_PLTE(png, info, pal, npal);
	if (trans)
		png_set_tRNS(png, info, trans, ntrans, NULL);
	png_write_info(png, info);
	rowbytes = png_get_rowbytes(png, info);
	{
		int			passes = png_set_interlace_handling(png);

		for (int pass = 0; pass < passes; pass++)
			for (int y = 0; y < h; y++)
				png_write_row(png, raw + (size_t) y * rowbytes);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	*len = m.len;
	return m.p;
}

/* decode and compare with expected RGB */
static void
check_png(const char *name, const unsigned char *png, size_t len, int w, int h,
		  const unsigned char *expect)
{
	of_image	img;
	of_error	err = {0};
	of_status	st = of_image_decode(png, len, NULL, &img, &err);

	ok(st == OF_OK && img.width == w && img.height == h &&
	   memcmp(img.rgb, expect, (size_t) w * h * 3) == 0,
	   "PNG %s decodes to the expected pixels (%s)", name, st == OF_OK ? "ok" : err.msg);
	of_image_free(&img);
}

static void
test_png_variants(void)
{
	size_t		len;
	unsigned char *png;

	{							/* 8-bit grey */
		const unsigned char raw[] = {0, 128, 255, 10, 20, 30};
		const unsigned char ex[] = {0, 0, 0, 128, 128, 128, 255, 255, 255,
		10, 10, 10, 20, 20, 20, 30, 30, 30};

		png = make_png(3, 2, PNG_COLOR_TYPE_GRAY, 8, 0, raw, NULL, 0, NULL, 0, &len);
		check_png("grey8", png, len, 3, 2, ex);
		free(png);
	}
	{							/* 16-bit grey: high byte kept */
		const unsigned char raw[] = {0x12, 0x34, 0xff, 0x00};
		const unsigned char ex[] = {0x12, 0x12, 0x12, 0xff, 0xff, 0xff};

		png = make_png(2, 1, PNG_COLOR_TYPE_GRAY, 16, 0, raw, NULL, 0, NULL, 0, &len);
		check_png("grey16", png, len, 2, 1, ex);
		free(png);
	}
	{							/* 1-bit grey: 1 → 255 */
		const unsigned char raw[] = {0xb0};
		const unsigned char ex[] = {255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

		png = make_png(8, 1, PNG_COLOR_TYPE_GRAY, 1, 0, raw, NULL, 0, NULL, 0, &len);
		check_png("grey1", png, len, 8, 1, ex);
		free(png);
	}
	{							/* 4-bit palette with tRNS: alpha dropped */
		const png_color pal[3] = {{255, 0, 0}, {0, 255, 0}, {1, 2, 3}};
		const png_byte trans[3] = {0, 128, 255};
		const unsigned char raw[] = {0x21, 0x00};	/* indices 2, 1, 0 */
		const unsigned char ex[] = {1, 2, 3, 0, 255, 0, 255, 0, 0};

		png = make_png(3, 1, PNG_COLOR_TYPE_PALETTE, 4, 0, raw, pal, 3, trans, 3, &len);
		check_png("palette4+tRNS", png, len, 3, 1, ex);
		free(png);
	}
	{							/* RGBA: alpha dropped, no compositing */
		const unsigned char raw[] = {10, 20, 30, 0, 40, 50, 60, 255};
		const unsigned char ex[] = {10, 20, 30, 40, 50, 60};

		png = make_png(2, 1, PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, raw, NULL, 0, NULL, 0, &len);
		check_png("RGBA8", png, len, 2, 1, ex);
		free(png);
	}
	{							/* grey + alpha */
		const unsigned char raw[] = {77, 0, 200, 100};
		const unsigned char ex[] = {77, 77, 77, 200, 200, 200};

		png = make_png(2, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, raw, NULL, 0, NULL, 0, &len);
		check_png("grey+alpha", png, len, 2, 1, ex);
		free(png);
	}
	{							/* 16-bit RGBA */
		const unsigned char raw[] = {0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0x00, 0x00};
		const unsigned char ex[] = {0x01, 0x03, 0xff};

		png = make_png(1, 1, PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, raw, NULL, 0, NULL, 0, &len);
		check_png("RGBA16", png, len, 1, 1, ex);
		free(png);
	}
	{							/* interlaced RGB */
		enum
		{
			W = 13, H = 11
		};
		unsigned char raw[W * H * 3];

		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
			{
				raw[(y * W + x) * 3 + 0] = (unsigned char) (x * 19);
				raw[(y * W + x) * 3 + 1] = (unsigned char) (y * 23);
				raw[(y * W + x) * 3 + 2] = (unsigned char) ((x + y) * 7);
			}
		png = make_png(W, H, PNG_COLOR_TYPE_RGB, 8, 1, raw, NULL, 0, NULL, 0, &len);
		check_png("interlaced RGB8", png, len, W, H, raw);
		free(png);
	}
}

static void
test_png_roundtrip(void)
{
	of_image	img = {37, 29, NULL},
				back;
	unsigned char *png = NULL;
	size_t		len = 0;
	of_error	err = {0};
	of_status	st;

	img.rgb = malloc(37 * 29 * 3);
	for (int i = 0; i < 37 * 29 * 3; i++)
		img.rgb[i] = (unsigned char) rng();
	st = of_image_encode_png(&img, &png, &len, &err);
	ok(st == OF_OK && len > 8 && memcmp(png, "\x89PNG", 4) == 0, "encode 37x29 PNG (%zu bytes)", len);
	st = of_image_decode(png, len, NULL, &back, &err);
	ok(st == OF_OK && back.width == 37 && back.height == 29 &&
	   memcmp(back.rgb, img.rgb, 37 * 29 * 3) == 0, "PNG round trip is lossless");
	of_image_free(&back);
	free(png);

	img.width = 0;
	st = of_image_encode_png(&img, &png, &len, &err);
	ok(st == OF_EINVAL && png == NULL, "encoding a 0-wide image is EINVAL");
	of_image_free(&img);
}

/* ------------------------------------------------------ JPEG generation */

/*
 * Compress w×h pixels (comps per pixel, in_cs) to JPEG colour space jcs.
 * app1: optional APP1 payload.
 */
static unsigned char *
make_jpeg(const unsigned char *px, int w, int h, int comps, J_COLOR_SPACE in_cs,
		  J_COLOR_SPACE jcs, int progressive, const unsigned char *app1, unsigned app1_len,
		  size_t *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	unsigned char *buf = NULL;
	unsigned long size = 0;

	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &buf, &size);
	c.image_width = (JDIMENSION) w;
	c.image_height = (JDIMENSION) h;
	c.input_components = comps;
	c.in_color_space = in_cs;
	jpeg_set_defaults(&c);
	jpeg_set_colorspace(&c, jcs);
	jpeg_set_quality(&c, 95, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	if (app1)
		jpeg_write_marker(&c, JPEG_APP0 + 1, app1, app1_len);
	while (c.next_scanline < c.image_height)
	{
		JSAMPROW	row = (JSAMPROW) (px + (size_t) c.next_scanline * w * comps);

		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	*len = size;
	return buf;
}

/* 32×16 RGB: left half (200,30,40), right half (20,40,220). */
static void
two_halves(unsigned char *px, int w, int h)
{
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
		{
			unsigned char *p = px + ((size_t) y * w + x) * 3;

			p[0] = x < w / 2 ? 200 : 20;
			p[1] = x < w / 2 ? 30 : 40;
			p[2] = x < w / 2 ? 40 : 220;
		}
}

static int
pixel_near(const of_image *img, int x, int y, int r, int g, int b, int tol)
{
	const unsigned char *p = img->rgb + ((size_t) y * img->width + x) * 3;

	return near(p[0], r, tol) && near(p[1], g, tol) && near(p[2], b, tol);
}

/* APP1 "Exif" payload with one IFD0 entry: Orientation = o. */
static unsigned
exif_payload(unsigned char *p, int o, int big_endian)
{
	static const unsigned char le[] = {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0,
		1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const unsigned char be[] = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
		0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};

	memcpy(p, big_endian ? be : le, sizeof(le));
	if (big_endian)
		p[23 + 2] = (unsigned char) o;
	else
		p[22 + 2] = (unsigned char) o;
	return sizeof(le);
}

static void
test_jpeg_variants(void)
{
	enum
	{
		W = 32, H = 16
	};
	unsigned char rgb[W * H * 3],
				grey[W * H],
				cmyk[W * H * 4];
	unsigned char *a,
			   *b;
	size_t		alen,
				blen;
	of_image	ia,
				ib;
	of_error	err = {0};
	of_status	st;
	int			allgrey = 1;

	two_halves(rgb, W, H);

	/* grayscale */
	memset(grey, 200, sizeof(grey));
	a = make_jpeg(grey, W, H, 1, JCS_GRAYSCALE, JCS_GRAYSCALE, 0, NULL, 0, &alen);
	st = of_image_decode(a, alen, NULL, &ia, &err);
	for (int i = 0; st == OF_OK && i < W * H; i++)
		allgrey &= ia.rgb[i * 3] == ia.rgb[i * 3 + 1] && ia.rgb[i * 3] == ia.rgb[i * 3 + 2] &&
			near(ia.rgb[i * 3], 200, 2);
	ok(st == OF_OK && ia.width == W && ia.height == H && allgrey,
	   "greyscale JPEG decodes to R=G=B≈200");
	of_image_free(&ia);
	free(a);

	/* baseline vs progressive: same coefficients, so identical pixels */
	a = make_jpeg(rgb, W, H, 3, JCS_RGB, JCS_YCbCr, 0, NULL, 0, &alen);
	b = make_jpeg(rgb, W, H, 3, JCS_RGB, JCS_YCbCr, 1, NULL, 0, &blen);
	st = of_image_decode(a, alen, NULL, &ia, &err);
	ok(st == OF_OK && ia.width == W && ia.height == H &&
	   pixel_near(&ia, 4, 8, 200, 30, 40, 8) && pixel_near(&ia, 27, 8, 20, 40, 220, 8),
	   "baseline YCbCr JPEG: dimensions and colours");
	st = of_image_decode(b, blen, NULL, &ib, &err);
	ok(st == OF_OK && ib.width == W && ib.height == H && ia.rgb != NULL &&
	   memcmp(ia.rgb, ib.rgb, W * H * 3) == 0,
	   "progressive JPEG decodes identically to its baseline twin (%s)", st == OF_OK ? "ok" : err.msg);
	of_image_free(&ib);

	/* truncated progressive */
	for (size_t cut = blen / 4; cut < blen; cut += blen / 4)
	{
		st = decode_status(b, cut, 0, &err);
		ok(st == OF_ECORRUPT, "progressive JPEG cut at %zu/%zu bytes is ECORRUPT (%s)", cut, blen, err.msg);
	}
	free(b);

	/* trailing garbage after EOI is accepted and ignored */
	b = malloc(alen + 500);
	memcpy(b, a, alen);
	for (int i = 0; i < 500; i++)
		b[alen + i] = (unsigned char) rng();
	st = of_image_decode(b, alen + 500, NULL, &ib, &err);
	ok(st == OF_OK && ia.rgb != NULL && memcmp(ia.rgb, ib.rgb, W * H * 3) == 0,
	   "JPEG with 500 bytes of trailing garbage decodes to the same pixels");
	of_image_free(&ib);
	free(b);

	/* pixel limit: exactly at the limit passes, one below fails */
	ok(decode_status(a, alen, W * H, &err) == OF_OK, "max_pixels = w*h accepted");
	ok(decode_status(a, alen, W * H - 1, &err) == OF_ELIMIT, "max_pixels = w*h-1 is ELIMIT (%s)", err.msg);
	of_image_free(&ia);
	free(a);

	/* CMYK, Adobe-inverted (Photoshop) samples: left red, right mid grey */
	for (int i = 0; i < W * H; i++)
	{
		int			left = (i % W) < W / 2;
		unsigned char c = 0,
					m = left ? 255 : 0,
					y = left ? 255 : 0,
					k = left ? 0 : 128;

		cmyk[i * 4 + 0] = 255 - c;
		cmyk[i * 4 + 1] = 255 - m;
		cmyk[i * 4 + 2] = 255 - y;
		cmyk[i * 4 + 3] = 255 - k;
	}
	for (int ycck = 0; ycck <= 1; ycck++)
	{
		a = make_jpeg(cmyk, W, H, 4, JCS_CMYK, ycck ? JCS_YCCK : JCS_CMYK, 0, NULL, 0, &alen);
		st = of_image_decode(a, alen, NULL, &ia, &err);
		ok(st == OF_OK && ia.width == W && ia.height == H &&
		   pixel_near(&ia, 4, 8, 255, 0, 0, 6) && pixel_near(&ia, 27, 8, 127, 127, 127, 6),
		   "%s JPEG (Adobe inverted) → RGB red / grey (%s)", ycck ? "YCCK" : "CMYK",
		   st == OF_OK ? "ok" : err.msg);
		of_image_free(&ia);
		free(a);
	}

	/* EXIF orientation: ignored by default, applied on request */
	{
		static const struct
		{
			int			o,
						be,
						w,
						h;
			int			redx,
						redy,
						bluex,
						bluey;
		}			cases[] = {
			{1, 0, 32, 16, 4, 8, 27, 8},
			{2, 0, 32, 16, 27, 8, 4, 8},
			{3, 1, 32, 16, 27, 8, 4, 8},
			{6, 0, 16, 32, 8, 4, 8, 27},
			{6, 1, 16, 32, 8, 4, 8, 27},
			{8, 0, 16, 32, 8, 27, 8, 4},
		};
		unsigned char app1[64];

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			unsigned	n = exif_payload(app1, cases[i].o, cases[i].be);
			of_decode_opts on = {0, 1};

			a = make_jpeg(rgb, W, H, 3, JCS_RGB, JCS_YCbCr, 0, app1, n, &alen);
			st = of_image_decode(a, alen, NULL, &ia, &err);
			ok(st == OF_OK && ia.width == W && ia.height == H && pixel_near(&ia, 4, 8, 200, 30, 40, 8),
			   "EXIF orientation %d ignored by default", cases[i].o);
			of_image_free(&ia);
			st = of_image_decode(a, alen, &on, &ia, &err);
			ok(st == OF_OK && ia.width == cases[i].w && ia.height == cases[i].h &&
			   pixel_near(&ia, cases[i].redx, cases[i].redy, 200, 30, 40, 8) &&
			   pixel_near(&ia, cases[i].bluex, cases[i].bluey, 20, 40, 220, 8),
			   "EXIF orientation %d (%s) applied on request: %dx%d", cases[i].o,
			   cases[i].be ? "MM" : "II", ia.width, ia.height);
			of_image_free(&ia);
			free(a);
		}
	}
}

/* ------------------------------------------------------------- reference */

static void
test_reference_jpegs(void)
{
	FILE	   *f = fopen("test/fixtures/images/decoded_rgb.tsv", "r");
	char		line[512];
	int			n = 0;

	ok(f != NULL, "open test/fixtures/images/decoded_rgb.tsv");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f))
	{
		char		name[64],
					want[65],
					got[65],
					path[128];
		int			w,
					h;
		size_t		len;
		unsigned char *data;
		of_image	img;
		of_error	err = {0};
		of_status	st;

		if (line[0] == '#' || sscanf(line, "%63s %d %d %64s", name, &w, &h, want) != 4)
			continue;
		snprintf(path, sizeof(path), "test/fixtures/images/%s", name);
		data = read_file(path, &len);
		st = of_image_decode(data, len, NULL, &img, &err);
		ok(st == OF_OK && img.width == w && img.height == h &&
		   sha256_hex(img.rgb, (size_t) w * h * 3, got) && strcmp(got, want) == 0,
		   "%s decodes to the reference RGB (sha256 %.16s…)", name, want);
		of_image_free(&img);
		free(data);
		n++;
	}
	fclose(f);
	ok(n == 6, "six reference images checked");
}

/* -------------------------------------------------------------- hostile */

static void
test_hostile(void)
{
	of_error	err;
	size_t		len,
				plen;
	unsigned char *jpg = read_file("test/fixtures/images/sample1.jpg", &len);
	unsigned char buf[4096];
	unsigned char *png;
	static const size_t jcuts[] = {2, 3, 20, 100, 400, 1000, 5000};

	ok(decode_status(NULL, 0, 0, &err) == OF_ECORRUPT, "NULL/0 input is ECORRUPT (%s)", err.msg);
	ok(decode_status("", 0, 0, &err) == OF_ECORRUPT, "empty input is ECORRUPT");
	ok(decode_status("\xff", 1, 0, &err) == OF_ECORRUPT, "1-byte input is ECORRUPT (%s)", err.msg);
	ok(decode_status("\x89PN", 3, 0, &err) == OF_ECORRUPT, "3-byte PNG signature is ECORRUPT (%s)", err.msg);

	for (int i = 0; i < (int) sizeof(buf); i++)
		buf[i] = (unsigned char) rng();
	buf[0] = 0x13;
	ok(decode_status(buf, sizeof(buf), 0, &err) == OF_EFORMAT && strstr(err.msg, "unknown signature 0x13"),
	   "random bytes are EFORMAT (%s)", err.msg);
	buf[0] = 0xff, buf[1] = 0xd8;
	ok(decode_status(buf, sizeof(buf), 0, &err) == OF_ECORRUPT, "SOI + random bytes is ECORRUPT (%s)", err.msg);
	buf[2] = 0xff, buf[3] = 0xdb;
	ok(decode_status(buf, sizeof(buf), 0, &err) == OF_ECORRUPT, "SOI + DQT + random bytes is ECORRUPT (%s)", err.msg);
	memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
	ok(decode_status(buf, sizeof(buf), 0, &err) == OF_ECORRUPT, "PNG signature + random bytes is ECORRUPT (%s)", err.msg);

	memcpy(buf, "GIF89a\x01\x00\x01\x00", 10);
	ok(decode_status(buf, 64, 0, &err) == OF_EFORMAT && strstr(err.msg, "GIF"), "GIF is EFORMAT naming it (%s)", err.msg);
	memcpy(buf, "BM\x3a\0\0\0", 6);
	ok(decode_status(buf, 64, 0, &err) == OF_EFORMAT && strstr(err.msg, "BMP"), "BMP is EFORMAT naming it (%s)", err.msg);
	memcpy(buf, "RIFF\x24\0\0\0WEBPVP8 ", 16);
	ok(decode_status(buf, 64, 0, &err) == OF_ECORRUPT && strstr(err.msg, "WebP"),
	   "a WebP header + random bytes is ECORRUPT naming WebP (%s)", err.msg);
	memcpy(buf, "\0\0\0\x1c" "ftypavif", 12);
	ok(decode_status(buf, 64, 0, &err) == OF_EFORMAT && strstr(err.msg, "AVIF"), "AVIF is EFORMAT naming it (%s)", err.msg);
	memcpy(buf, "II*\0", 4);
	ok(decode_status(buf, 64, 0, &err) == OF_EFORMAT && strstr(err.msg, "TIFF"), "TIFF is EFORMAT naming it (%s)", err.msg);

	/* truncated real JPEG, including a cut just before / inside EOI */
	ok(jpg != NULL && len > 10000, "read sample1.jpg");
	if (jpg == NULL)
		return;
	for (size_t i = 0; i < sizeof(jcuts) / sizeof(jcuts[0]); i++)
	{
		ok(decode_status(jpg, jcuts[i], 0, &err) == OF_ECORRUPT, "sample1.jpg cut at %zu bytes is ECORRUPT (%s)",
		   jcuts[i], err.msg);
	}
	for (size_t cut = len / 4; cut < len; cut += len / 4)
		ok(decode_status(jpg, cut, 0, &err) == OF_ECORRUPT, "sample1.jpg cut at %zu/%zu is ECORRUPT (%s)",
		   cut, len, err.msg);
	ok(decode_status(jpg, len - 2, 0, &err) == OF_ECORRUPT, "sample1.jpg without its EOI is ECORRUPT (%s)", err.msg);
	ok(decode_status(jpg, len - 1, 0, &err) == OF_ECORRUPT, "sample1.jpg with half an EOI is ECORRUPT (%s)", err.msg);

	/* damaged entropy data never crashes; errors leave an empty image */
	{
		unsigned char *bad = malloc(len);
		int			clean = 1;

		for (int t = 0; t < 8; t++)
		{
			of_status	st;

			memcpy(bad, jpg, len);
			for (int k = 0; k < 20; k++)
				bad[1000 + (rng() * 7919u) % (len - 2000)] ^= (unsigned char) (1 + rng() % 255);
			st = decode_status(bad, len, 0, &err);
			clean &= st == OF_OK || st == OF_ECORRUPT;
		}
		ok(clean, "8 randomly damaged copies of sample1.jpg: OK or ECORRUPT, never anything else");
		free(bad);
	}

	/* SOF patched: 60000×60000 (limit hit from the header) and width 0 */
	{
		unsigned char *p = malloc(len);
		size_t		sof = 0;

		memcpy(p, jpg, len);
		for (size_t i = 2; i + 9 < len; i++)
			if (p[i] == 0xff && (p[i + 1] == 0xc0 || p[i + 1] == 0xc2))
			{
				sof = i;
				break;
			}
		ok(sof > 0, "found the SOF marker of sample1.jpg at %zu", sof);
		p[sof + 5] = 60000 >> 8, p[sof + 6] = 60000 & 255;
		p[sof + 7] = 60000 >> 8, p[sof + 8] = 60000 & 255;
		ok(decode_status(p, len, 0, &err) == OF_ELIMIT && strstr(err.msg, "60000x60000"),
		   "JPEG claiming 60000x60000 is ELIMIT before allocation (%s)", err.msg);
		p[sof + 7] = 0, p[sof + 8] = 0;
		ok(decode_status(p, len, 0, &err) == OF_ECORRUPT, "JPEG with width 0 is ECORRUPT (%s)", err.msg);
		memcpy(p, jpg, len);
		p[sof + 4] = 12;
		ok(decode_status(p, len, 0, &err) == OF_EFORMAT && strstr(err.msg, "precision"),
		   "12-bit JPEG is EFORMAT (%s)", err.msg);
		free(p);
	}

	/* PNG: truncation, patched IHDR, trailing garbage */
	{
		enum
		{
			W = 40, H = 30
		};
		unsigned char raw[W * H * 3];
		unsigned char *q;
		static const size_t pcuts[] = {8, 12, 20, 33, 40};

		for (int i = 0; i < W * H * 3; i++)
			raw[i] = (unsigned char) rng();
		png = make_png(W, H, PNG_COLOR_TYPE_RGB, 8, 1, raw, NULL, 0, NULL, 0, &plen);
		ok(decode_status(png, plen, 0, &err) == OF_OK, "generated 40x30 interlaced PNG decodes");
		for (size_t i = 0; i < sizeof(pcuts) / sizeof(pcuts[0]); i++)
			ok(decode_status(png, pcuts[i], 0, &err) == OF_ECORRUPT, "PNG cut at %zu bytes is ECORRUPT (%s)",
			   pcuts[i], err.msg);
		ok(decode_status(png, plen / 2, 0, &err) == OF_ECORRUPT, "PNG cut in half is ECORRUPT (%s)", err.msg);
		ok(decode_status(png, plen - 12, 0, &err) == OF_ECORRUPT, "PNG without IEND is ECORRUPT (%s)", err.msg);
		ok(decode_status(png, plen - 1, 0, &err) == OF_ECORRUPT, "PNG cut by one byte is ECORRUPT (%s)", err.msg);

		q = malloc(plen + 300);
		memcpy(q, png, plen);
		for (int i = 0; i < 300; i++)
			q[plen + i] = (unsigned char) rng();
		{
			of_image	img;
			of_status	st = of_image_decode(q, plen + 300, NULL, &img, &err);

			ok(st == OF_OK && img.width == W && memcmp(img.rgb, raw, sizeof(raw)) == 0,
			   "PNG with trailing garbage after IEND decodes to the same pixels");
			of_image_free(&img);
		}

		/* IHDR data at 16..28, its CRC at 29..32 */
		memcpy(q, png, plen);
		put32be(q + 16, 60000);
		put32be(q + 20, 60000);
		ok(decode_status(q, plen, 0, &err) == OF_ECORRUPT, "PNG with a bad IHDR CRC is ECORRUPT (%s)", err.msg);
		put32be(q + 29, crc32_bytes(q + 12, 17));
		ok(decode_status(q, plen, 0, &err) == OF_ELIMIT && strstr(err.msg, "60000x60000"),
		   "PNG claiming 60000x60000 is ELIMIT before allocation (%s)", err.msg);
		put32be(q + 16, 5000);
		put32be(q + 20, 1);
		put32be(q + 29, crc32_bytes(q + 12, 17));
		ok(decode_status(q, plen, 1000, &err) == OF_ELIMIT,
		   "PNG 5000 wide with max_pixels 1000 is ELIMIT via libpng's user limit (%s)", err.msg);
		put32be(q + 16, 0);
		put32be(q + 29, crc32_bytes(q + 12, 17));
		ok(decode_status(q, plen, 0, &err) == OF_ECORRUPT, "PNG with width 0 is ECORRUPT (%s)", err.msg);
		free(q);
		free(png);
	}
	free(jpg);
}

static int
always_cancel(void)
{
	return 1;
}

static void
test_cancel(void)
{
	size_t		len,
				plen;
	unsigned char *jpg = read_file("test/fixtures/images/sample2.jpg", &len);
	unsigned char raw[64 * 64 * 3] = {0};
	unsigned char *png = make_png(64, 64, PNG_COLOR_TYPE_RGB, 8, 0, raw, NULL, 0, NULL, 0, &plen);
	of_error	err;

	of_set_cancel_hook(always_cancel);
	ok(decode_status(jpg, len, 0, &err) == OF_ECANCELED, "JPEG decoding honours of_cancelled (%s)", err.msg);
	ok(decode_status(png, plen, 0, &err) == OF_ECANCELED, "PNG decoding honours of_cancelled (%s)", err.msg);
	of_set_cancel_hook(NULL);
	ok(decode_status(jpg, len, 0, &err) == OF_OK, "and decodes again once the hook is removed");
	free(jpg);
	free(png);
}

/*
 * of_photo: the detector's view comes from a DCT-scaled decode, and the
 * regions asked for are the whole decode's pixels exactly, under every EXIF
 * orientation and at the borders.
 */
static int
same_region(const of_image *a, const of_image *b, of_rect r)
{
	for (int y = r.y; y < r.y + r.h; y++)
		if (memcmp(a->rgb + ((size_t) y * a->width + r.x) * 3,
				   b->rgb + ((size_t) y * b->width + r.x) * 3, (size_t) r.w * 3) != 0)
			return 0;
	return 1;
}

static void
check_photo(const unsigned char *data, size_t len, int exif, const char *what)
{
	of_decode_opts opts = {0, exif};
	of_image	whole;
	of_photo	p;
	of_error	err;
	of_status	st;
	int			W,
				H;

	if (!ok(of_image_decode(data, len, &opts, &whole, &err) == OF_OK, "%s: whole decode", what))
		return;
	W = whole.width;
	H = whole.height;
	/* a quarter of the longer side: the 1/4 scale */
	st = of_photo_open(data, len, &opts, (W > H ? W : H) / 4, &p, &err);
	ok(st == OF_OK && of_photo_scaled(&p) && p.full.width == W && p.full.height == H &&
	   p.view.width == (W + 3) / 4 && p.view.height == (H + 3) / 4 && p.have.w == 0,
	   "%s: the view is decoded at 1/4 (%dx%d of %dx%d), nothing at full size yet",
	   what, p.view.width, p.view.height, W, H);
	{
		const of_rect asks[] = {
			{W / 3, H / 3, W / 5 + 1, H / 7 + 3},	/* inside, odd sizes */
			{W / 2, H / 4, W / 5, H / 5},	/* overlapping: the union is decoded */
			{-10, H - 20, 40, 50},	/* across the bottom-left corner */
			{W - 17, -5, 30, 9},	/* across the top-right corner */
		};

		for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++)
		{
			of_rect		r = asks[i];
			of_rect		c = {r.x < 0 ? 0 : r.x, r.y < 0 ? 0 : r.y, 0, 0};

			c.w = (r.x + r.w > W ? W : r.x + r.w) - c.x;
			c.h = (r.y + r.h > H ? H : r.y + r.h) - c.y;
			st = of_photo_need(&p, r, &err);
			ok(st == OF_OK && p.have.x <= c.x && p.have.y <= c.y &&
			   p.have.x + p.have.w >= c.x + c.w && p.have.y + p.have.h >= c.y + c.h &&
			   same_region(&p.full, &whole, p.have),
			   "%s: region %zu decodes to the whole decode's pixels (have %d,%d %dx%d)",
			   what, i, p.have.x, p.have.y, p.have.w, p.have.h);
		}
	}
	of_photo_free(&p);
	/* a detector that needs the full size gets the whole decode, not a copy */
	st = of_photo_open(data, len, &opts, W > H ? W : H, &p, &err);
	ok(st == OF_OK && !of_photo_scaled(&p) &&
	   p.view.rgb == p.full.rgb && p.have.w == W && same_region(&p.full, &whole, p.have),
	   "%s: no scale small enough: one whole decode", what);
	of_photo_free(&p);
	of_image_free(&whole);
}

static void
test_photo(void)
{
	size_t		len;
	unsigned char *jpg = read_file("test/fixtures/images/sample2.jpg", &len);
	unsigned char *px;
	const int	W = 203,
				H = 121;

	if (ok(jpg != NULL, "photo: sample2.jpg read"))
		check_photo(jpg, len, 0, "sample2");
	free(jpg);

	/* textured synthetic photo (2x2 chroma subsampling) under every orientation */
	px = malloc((size_t) W * H * 3);
	for (int i = 0; i < W * H * 3; i++)
		px[i] = (unsigned char) (rng() & 0xff);
	for (int o = 1; o <= 8; o++)
	{
		unsigned char app1[64];
		unsigned	n = exif_payload(app1, o, o % 2);
		char		what[32];

		jpg = make_jpeg(px, W, H, 3, JCS_RGB, JCS_YCbCr, o == 3, app1, n, &len);
		snprintf(what, sizeof(what), "orientation %d%s", o, o == 3 ? " progressive" : "");
		check_photo(jpg, len, 1, what);
		free(jpg);
	}
	free(px);
}

/*
 * Contact sheets: the grid's size, a tile shrunk by box averaging and
 * centred in its cell, a tall tile letterboxed, the pixel bound.
 */
static void
test_sheet(void)
{
	of_image	sheet = {0},
				img;
	of_error	err;
	const int	cell = 8,
				stride = cell + OF_SHEET_GAP;
	unsigned char *px;

	ok(of_sheet_init(5, 3, cell, 40 * 28, &sheet, &err) == OF_OK &&
	   sheet.width == 3 * stride + OF_SHEET_GAP && sheet.height == 2 * stride + OF_SHEET_GAP,
	   "sheet: 5 cells in 3 columns are 3 x 2");
	/* 16 x 16 of alternating 0 / 200 columns: each 2 x 2 box averages to 100 */
	img.width = img.height = 16;
	img.rgb = malloc(16 * 16 * 3);
	for (int i = 0; i < 16 * 16; i++)
		memset(img.rgb + i * 3, (i % 2) ? 200 : 0, 3);
	of_sheet_place(&sheet, 4, 3, cell, &img);
	px = sheet.rgb + ((size_t) (OF_SHEET_GAP + stride) * sheet.width + OF_SHEET_GAP + stride) * 3;
	ok(px[0] == 100 && px[(cell - 1) * 3] == 100 && px[-3] == OF_SHEET_BACKGROUND,
	   "sheet: cell 5 is at row 1, column 1, box-averaged (%d), gap around", px[0]);
	free(img.rgb);
	/* 2 x 8 black: 2 wide and centred, background either side */
	img.width = 2;
	img.height = 8;
	img.rgb = calloc(2 * 8 * 3, 1);
	of_sheet_place(&sheet, 0, 3, cell, &img);
	px = sheet.rgb + ((size_t) OF_SHEET_GAP * sheet.width + OF_SHEET_GAP) * 3;
	ok(px[2 * 3] == OF_SHEET_BACKGROUND && px[3 * 3] == 0 && px[4 * 3] == 0 &&
	   px[5 * 3] == OF_SHEET_BACKGROUND, "sheet: a tall image keeps its aspect, centred");
	free(img.rgb);
	of_image_free(&sheet);
	ok(of_sheet_init(5, 3, cell, 40 * 28 - 1, &sheet, &err) == OF_ELIMIT && sheet.rgb == NULL,
	   "sheet: more pixels than the limit refused before allocating (%s)", err.msg);
	ok(of_sheet_init(0, 3, cell, 1000, &sheet, &err) == OF_EINVAL, "sheet: no cells");
}

static void
test_rect_union(void)
{
	/* x 0..2 and 5..6 → 0..6; y 0..2 and 1..5 → 0..5 */
	of_rect		u = of_rect_union((of_rect) {0, 0, 2, 2}, (of_rect) {5, 1, 1, 4});

	ok(u.x == 0 && u.y == 0 && u.w == 6 && u.h == 5, "rect union (%d, %d, %d, %d)", u.x, u.y, u.w, u.h);
}

int
main(void)
{
	test_rect_union();
	test_reference_jpegs();
	test_photo();
	test_png_variants();
	test_png_roundtrip();
	test_jpeg_variants();
	test_hostile();
	test_cancel();
	test_sheet();
	return unit_done();
}
