/*
 * HEIC and WebP decoding: the committed fixtures against their JPEG
 * originals, every orientation (HEIF irot/imir, WebP EXIF) against the EXIF
 * definition, and hostile input (truncation, headers claiming huge sizes,
 * animation, cancel).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libheif/heif.h>
#include <webp/encode.h>

#include "image/image.h"
#include "test_files.h"
#include "unit.h"

/* Lossy codecs at these qualities stay within this mean difference per sample. */
#define LOSSY_MEAN_TOL 6.0
#define FX "test/fixtures/"

/* ---------------------------------------------------------------- helpers */

static of_status
decode(const void *data, size_t len, int exif, size_t max_pixels, of_image *img, of_error *err)
{
	of_decode_opts o = {max_pixels, exif};
	of_status	st;

	memset(err, 0, sizeof(*err));
	st = of_image_decode(data, len, &o, img, err);
	if (st != OF_OK && (img->rgb != NULL || img->width != 0 || img->height != 0))
		st = (of_status) 99;	/* a failed decode must leave an empty image */
	return st;
}

static of_status
decode_status(const void *data, size_t len, size_t max_pixels, of_error *err)
{
	of_image	img;
	of_status	st = decode(data, len, 0, max_pixels, &img, err);

	of_image_free(&img);
	return st;
}

/* mean absolute difference per sample; a large value when the sizes differ */
static double
mean_diff(const unsigned char *a, int aw, int ah, const unsigned char *b, int bw, int bh)
{
	double		sum = 0;
	size_t		n = (size_t) aw * ah * 3;

	if (aw != bw || ah != bh || a == NULL || b == NULL)
		return 1e9;
	for (size_t i = 0; i < n; i++)
		sum += a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
	return sum / (double) n;
}

static double
image_diff(const of_image *a, const of_image *b)
{
	return mean_diff(a->rgb, a->width, a->height, b->rgb, b->width, b->height);
}

/*
 * The upright image of a stored w x h image under EXIF orientation o, by
 * the tag's definition (where the stored 0th row and column go).
 */
static unsigned char *
upright(const unsigned char *s, int w, int h, int o, int *W, int *H)
{
	unsigned char *u = malloc((size_t) w * h * 3);

	*W = o >= 5 ? h : w;
	*H = o >= 5 ? w : h;
	for (int y = 0; y < *H; y++)
		for (int x = 0; x < *W; x++)
		{
			int			sx,
						sy;

			switch (o)
			{
				case 2: sx = w - 1 - x; sy = y; break;
				case 3: sx = w - 1 - x; sy = h - 1 - y; break;
				case 4: sx = x; sy = h - 1 - y; break;
				case 5: sx = y; sy = x; break;
				case 6: sx = y; sy = h - 1 - x; break;
				case 7: sx = w - 1 - y; sy = h - 1 - x; break;
				case 8: sx = w - 1 - y; sy = x; break;
				default: sx = x; sy = y; break;
			}
			memcpy(u + ((size_t) y * *W + x) * 3, s + ((size_t) sy * w + sx) * 3, 3);
		}
	return u;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char) (v >> (8 * i));
}

static void
put_le24(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 3; i++)
		p[i] = (unsigned char) (v >> (8 * i));
}

/* offset of the first occurrence of a 4-byte tag, or 0 */
static size_t
find_tag(const unsigned char *p, size_t len, const char *tag)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(p + i, tag, 4) == 0)
			return i;
	return 0;
}

/* ------------------------------------------------------ committed fixtures */

static void
check_like(const char *path, const of_image *ref, int exif, const char *what)
{
	size_t		len;
	unsigned char *d = read_file(path, &len);
	of_image	img;
	of_error	err;
	double		diff;

	if (!ok(d != NULL, "%s: read %s", what, path))
		return;
	ok(decode(d, len, exif, 0, &img, &err) == OF_OK, "%s: decodes (%s)", what, err.msg);
	diff = image_diff(&img, ref);
	ok(img.width == ref->width && img.height == ref->height && diff < LOSSY_MEAN_TOL,
	   "%s: %dx%d like the JPEG's %dx%d, mean difference %.2f", what, img.width, img.height,
	   ref->width, ref->height, diff);
	of_image_free(&img);
	free(d);
}

static void
test_fixtures(void)
{
	size_t		len;
	unsigned char *jpg;
	of_image	ref;
	of_error	err;

	jpg = read_file(FX "photos/bbt3.jpg", &len);
	ok(jpg != NULL && decode(jpg, len, 0, 0, &ref, &err) == OF_OK, "bbt3.jpg decodes");
	check_like(FX "formats/bbt3.heic", &ref, 1, "bbt3.heic");
	check_like(FX "formats/bbt3.webp", &ref, 1, "bbt3.webp");
	of_image_free(&ref);
	free(jpg);

	/* stored sideways: upright by orientation 6 only when asked, as the JPEG */
	jpg = read_file(FX "photos/sideways_exif6.jpg", &len);
	for (int exif = 0; exif <= 1; exif++)
	{
		char		what[64];

		ok(decode(jpg, len, exif, 0, &ref, &err) == OF_OK && ref.width == (exif ? 672 : 640),
		   "sideways_exif6.jpg decodes %dx%d with orientation %s", ref.width, ref.height,
		   exif ? "applied" : "ignored");
		snprintf(what, sizeof(what), "sideways_irot6.heic, transformations %s", exif ? "applied" : "ignored");
		check_like(FX "formats/sideways_irot6.heic", &ref, exif, what);
		snprintf(what, sizeof(what), "sideways_exif6.webp, orientation %s", exif ? "applied" : "ignored");
		check_like(FX "formats/sideways_exif6.webp", &ref, exif, what);
		of_image_free(&ref);
	}
	free(jpg);
}

/* of_photo: these formats are decoded whole, whatever the detector needs */
static void
test_photo(void)
{
	static const char *const paths[] = {FX "formats/bbt3.heic", FX "formats/bbt3.webp"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
	{
		size_t		len;
		unsigned char *d = read_file(paths[i], &len);
		of_decode_opts o = {0, 1};
		of_photo	p;
		of_error	err;
		of_rect		r = {100, 50, 80, 60};

		ok(d != NULL && of_photo_open(d, len, &o, 150, &p, &err) == OF_OK && !of_photo_scaled(&p) &&
		   p.view.rgb == p.full.rgb && p.full.width == 594 && p.full.height == 383 &&
		   p.have.w == 594 && p.have.h == 383 && of_photo_need(&p, r, &err) == OF_OK,
		   "%s: of_photo is one whole decode, and regions need nothing more", paths[i]);
		of_photo_free(&p);
		free(d);
	}
}

/* ------------------------------------------------------------ orientations */

/* blocks of distinct colours: every flip and turn tells apart, and codes well */
static unsigned char *
block_image(int w, int h, int block)
{
	unsigned char *p = malloc((size_t) w * h * 3);

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
		{
			int			b = (y / block) * ((w + block - 1) / block) + x / block;
			unsigned char *q = p + ((size_t) y * w + x) * 3;

			q[0] = (unsigned char) (40 + 53 * b % 200);
			q[1] = (unsigned char) (30 + 97 * b % 210);
			q[2] = (unsigned char) (20 + 151 * b % 220);
		}
	return p;
}

typedef struct membuf
{
	unsigned char *p;
	size_t		len;
} membuf;

static struct heif_error
heif_to_membuf(struct heif_context *ctx, const void *data, size_t size, void *userdata)
{
	membuf	   *m = userdata;
	struct heif_error ok_ = {heif_error_Ok, heif_suberror_Unspecified, "ok"};

	(void) ctx;
	m->p = realloc(m->p, m->len + size);
	memcpy(m->p + m->len, data, size);
	m->len += size;
	return ok_;
}

/* px coded as a HEIC whose irot/imir boxes say orientation o */
static membuf
make_heic(const unsigned char *px, int w, int h, int o)
{
	struct heif_context *ctx = heif_context_alloc();
	struct heif_image *img;
	struct heif_encoder *enc;
	struct heif_encoding_options *opts = heif_encoding_options_alloc();
	struct heif_writer writer = {1, heif_to_membuf};
	membuf		m = {NULL, 0};
	uint8_t    *plane;
	int			stride;

	heif_image_create(w, h, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &img);
	heif_image_add_plane(img, heif_channel_interleaved, w, h, 8);
	plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
	for (int y = 0; y < h; y++)
		memcpy(plane + (size_t) y * stride, px + (size_t) y * w * 3, (size_t) w * 3);
	if (heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &enc).code == heif_error_Ok)
	{
		heif_encoder_set_lossy_quality(enc, 90);
		opts->image_orientation = (enum heif_orientation) o;
		if (heif_context_encode_image(ctx, img, enc, opts, NULL).code == heif_error_Ok)
			heif_context_write(ctx, &writer, &m);
		heif_encoder_release(enc);
	}
	heif_encoding_options_free(opts);
	heif_image_release(img);
	heif_context_free(ctx);
	return m;
}

static void
test_heic_orientations(void)
{
	const int	w = 64,
				h = 48;
	unsigned char *px = block_image(w, h, 16);

	for (int o = 1; o <= 8; o++)
	{
		membuf		m = make_heic(px, w, h, o);
		of_image	img;
		of_error	err;
		int			W,
					H;
		unsigned char *want = upright(px, w, h, o, &W, &H);
		double		best_other = 1e9;

		if (!ok(m.p != NULL, "HEIC orientation %d: encoded (%zu bytes)", o, m.len))
			continue;
		ok(decode(m.p, m.len, 1, 0, &img, &err) == OF_OK, "HEIC orientation %d: decodes (%s)", o, err.msg);
		for (int other = 1; other <= 8; other++)
		{
			int			ow,
						oh;
			unsigned char *u = upright(px, w, h, other, &ow, &oh);
			double		d = mean_diff(img.rgb, img.width, img.height, u, ow, oh);

			if (other != o && d < best_other)
				best_other = d;
			free(u);
		}
		ok(img.width == W && img.height == H &&
		   mean_diff(img.rgb, img.width, img.height, want, W, H) < LOSSY_MEAN_TOL && best_other > 20,
		   "HEIC orientation %d: turned upright as EXIF %d defines (%.2f; the nearest other %.2f)",
		   o, o, mean_diff(img.rgb, img.width, img.height, want, W, H), best_other);
		of_image_free(&img);
		ok(decode(m.p, m.len, 0, 0, &img, &err) == OF_OK && img.width == w && img.height == h &&
		   mean_diff(img.rgb, img.width, img.height, px, w, h) < LOSSY_MEAN_TOL,
		   "HEIC orientation %d: left as stored when orientation is not applied", o);
		of_image_free(&img);
		free(want);
		free(m.p);
	}
	free(px);
}

/* The TIFF block of an EXIF chunk with only an orientation tag. */
static size_t
tiff_orientation_block(unsigned char *p, int o, int big_endian)
{
	static const unsigned char le[] = {'I', 'I', 42, 0, 8, 0, 0, 0,
		1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const unsigned char be[] = {'M', 'M', 0, 42, 0, 0, 0, 8,
		0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};

	memcpy(p, big_endian ? be : le, sizeof(le));
	p[big_endian ? 19 : 18] = (unsigned char) o;
	return sizeof(le);
}

/*
 * An extended WebP (VP8X with the EXIF flag) around the image chunk of a
 * simple one, its EXIF chunk saying orientation o; some writers keep the
 * JPEG's "Exif\0\0" before the TIFF block.
 */
static unsigned char *
webp_with_exif(const unsigned char *simple, size_t slen, int w, int h, int o, int prefix, int be,
			   size_t *len)
{
	size_t		img_chunk = slen - 12,
				exif_len,
				n;
	unsigned char tiff[64],
			   *p = malloc(slen + 128);

	exif_len = (prefix ? 6 : 0);
	if (prefix)
		memcpy(tiff, "Exif\0\0", 6);
	exif_len += tiff_orientation_block(tiff + exif_len, o, be);
	memcpy(p, "RIFF\0\0\0\0WEBPVP8X", 16);
	put_le32(p + 16, 10);
	memset(p + 20, 0, 10);
	p[20] = 0x08;				/* EXIF present */
	put_le24(p + 24, (uint32_t) w - 1);
	put_le24(p + 27, (uint32_t) h - 1);
	n = 30;
	memcpy(p + n, simple + 12, img_chunk);	/* the VP8L chunk, padded already */
	n += img_chunk;
	memcpy(p + n, "EXIF", 4);
	put_le32(p + n + 4, (uint32_t) exif_len);
	memcpy(p + n + 8, tiff, exif_len);
	n += 8 + exif_len;
	if (exif_len & 1)
		p[n++] = 0;
	put_le32(p + 4, (uint32_t) (n - 8));
	*len = n;
	return p;
}

static void
test_webp_orientations(void)
{
	const int	w = 37,
				h = 23;
	unsigned char *px = block_image(w, h, 5),
			   *simple;
	size_t		slen = WebPEncodeLosslessRGB(px, w, h, w * 3, &simple);
	of_image	img;
	of_error	err;

	if (!ok(slen > 12, "a lossless WebP encoded (%zu bytes)", slen))
		return;
	ok(decode(simple, slen, 1, 0, &img, &err) == OF_OK &&
	   mean_diff(img.rgb, img.width, img.height, px, w, h) == 0, "lossless WebP decodes exactly");
	of_image_free(&img);
	for (int o = 1; o <= 8; o++)
	{
		size_t		len;
		unsigned char *d = webp_with_exif(simple, slen, w, h, o, o % 2, o >= 5, &len);
		int			W,
					H;
		unsigned char *want = upright(px, w, h, o, &W, &H);

		ok(decode(d, len, 1, 0, &img, &err) == OF_OK && img.width == W && img.height == H &&
		   mean_diff(img.rgb, img.width, img.height, want, W, H) == 0,
		   "WebP EXIF orientation %d (%s, %s): turned upright exactly (%s)", o,
		   o % 2 ? "Exif prefix" : "bare TIFF", o >= 5 ? "big-endian" : "little-endian", err.msg);
		of_image_free(&img);
		ok(decode(d, len, 0, 0, &img, &err) == OF_OK &&
		   mean_diff(img.rgb, img.width, img.height, px, w, h) == 0,
		   "WebP EXIF orientation %d: left as stored when not applied", o);
		of_image_free(&img);
		free(want);
		free(d);
	}
	WebPFree(simple);
	free(px);
}

/* ----------------------------------------------------------------- hostile */

static int
always_cancel(void)
{
	return 1;
}

static void
test_hostile(void)
{
	size_t		hlen,
				wlen;
	unsigned char *heic = read_file(FX "formats/bbt3.heic", &hlen),
			   *webp = read_file(FX "formats/bbt3.webp", &wlen),
			   *bad;
	of_error	err;
	size_t		at;
	int			n;

	if (!ok(heic != NULL && webp != NULL, "hostile: fixtures read"))
		return;

	/* cut anywhere: a clean ECORRUPT, never a partial picture */
	for (size_t cut = 13; cut < hlen; cut = cut * 3 + 1)
		ok(decode_status(heic, cut, 0, &err) == OF_ECORRUPT && strstr(err.msg, "HEIF"),
		   "bbt3.heic cut at %zu is ECORRUPT (%s)", cut, err.msg);
	ok(decode_status(heic, hlen - 1, 0, &err) == OF_ECORRUPT, "bbt3.heic less its last byte is ECORRUPT (%s)",
	   err.msg);
	for (size_t cut = 12; cut < wlen; cut = cut * 3 + 1)
		ok(decode_status(webp, cut, 0, &err) == OF_ECORRUPT && strstr(err.msg, "WebP"),
		   "bbt3.webp cut at %zu is ECORRUPT (%s)", cut, err.msg);
	ok(decode_status(webp, wlen - 1, 0, &err) == OF_ECORRUPT, "bbt3.webp less its last byte is ECORRUPT (%s)",
	   err.msg);

	/*
	 * The pixel limit, at the exact size and one below.  bbt3.heic's HEVC
	 * picture is coded 594x384 and cropped by its grid: the coded size
	 * is what the decoder allocates, so that is what counts.
	 */
	ok(decode_status(heic, hlen, 594 * 384, &err) == OF_OK, "bbt3.heic at a limit of exactly its coded size");
	ok(decode_status(heic, hlen, 594 * 384 - 1, &err) == OF_ELIMIT && strstr(err.msg, "594x384"),
	   "bbt3.heic one pixel over is ELIMIT (%s)", err.msg);
	ok(decode_status(heic, hlen, 594 * 383 - 1, &err) == OF_ELIMIT && strstr(err.msg, "594x383"),
	   "bbt3.heic below its output size is ELIMIT from the header (%s)", err.msg);
	ok(decode_status(webp, wlen, 594 * 383, &err) == OF_OK, "bbt3.webp at a limit of exactly its size");
	ok(decode_status(webp, wlen, 594 * 383 - 1, &err) == OF_ELIMIT, "bbt3.webp one pixel over is ELIMIT (%s)",
	   err.msg);

	/*
	 * Headers claiming huge images over small coded data: refused from the
	 * header (the coded data alone would decode, or fail as corrupt).
	 */
	bad = malloc(hlen);
	memcpy(bad, heic, hlen);
	/* heif-enc wraps the tile in a grid: both ispe boxes claim the size */
	n = 0;
	for (size_t i = 0; i + 16 <= hlen; i++)
		if (memcmp(bad + i, "ispe", 4) == 0)
		{
			/* version/flags, then 32-bit big-endian width and height */
			memcpy(bad + i + 8, "\0\0\x4e\x20\0\0\x4e\x20", 8);
			n++;
		}
	ok(n == 2, "bbt3.heic has %d ispe boxes, the grid's and its tile's", n);
	ok(decode_status(bad, hlen, 0, &err) == OF_ELIMIT && strstr(err.msg, "20000x20000"),
	   "a HEIC whose ispe boxes claim 20000x20000 is ELIMIT from the header (%s)", err.msg);
	free(bad);

	/*
	 * libheif decodes what the HEVC stream's parameter set says, whatever
	 * ispe claims: the SPS in hvcC is checked before decoding too.
	 */
	{
		size_t		flen;
		unsigned char *flat = read_file(FX "formats/flat4096.heic", &flen);

		ok(flat != NULL && decode_status(flat, flen, 100000, &err) == OF_ELIMIT &&
		   strstr(err.msg, "4096x4096"), "flat4096.heic (4 kB) over a limit of 100000 is ELIMIT (%s)", err.msg);
		at = flat != NULL ? find_tag(flat, flen, "ispe") : 0;
		if (at > 0)
			memcpy(flat + at + 8, "\0\0\0\x40\0\0\0\x40", 8);
		ok(at > 0 && decode_status(flat, flen, 100000, &err) == OF_ELIMIT &&
		   strstr(err.msg, "HEVC stream codes a 4096x4096"),
		   "and with an ispe claiming 64x64, its SPS is ELIMIT before decoding (%s)", err.msg);
		free(flat);
	}

	bad = malloc(wlen);
	memcpy(bad, webp, wlen);
	at = find_tag(bad, wlen, "VP8 ");
	ok(at == 12 && bad[at + 11] == 0x9d && bad[at + 12] == 0x01 && bad[at + 13] == 0x2a,
	   "bbt3.webp is a simple lossy WebP");
	/* after the frame tag and start code: 14-bit width and height */
	memcpy(bad + at + 14, "\xff\x3f\xff\x3f", 4);
	ok(decode_status(bad, wlen, 0, &err) == OF_ELIMIT && strstr(err.msg, "16383x16383"),
	   "a WebP whose frame header claims 16383x16383 is ELIMIT from the header (%s)", err.msg);
	free(bad);

	/* animation is not decoded */
	{
		unsigned char anim[64] = {0};

		memcpy(anim, "RIFF\x32\0\0\0WEBPVP8X\x0a\0\0\0", 20);
		anim[20] = 0x02;		/* animation */
		put_le24(anim + 24, 9);
		put_le24(anim + 27, 9);
		memcpy(anim + 30, "ANIM\x06\0\0\0", 8);
		ok(decode_status(anim, 44, 0, &err) == OF_EFORMAT && strstr(err.msg, "animated"),
		   "an animated WebP is EFORMAT (%s)", err.msg);
	}

	/* brands: HEVC in a mif1 file is HEIC, AV1 is not decoded */
	{
		unsigned char box[32] = {0};

		memcpy(box, "\0\0\0\x18" "ftypmif1\0\0\0\0mif1heic", 24);
		ok(decode_status(box, 24, 0, &err) == OF_ECORRUPT && strstr(err.msg, "HEIF"),
		   "ftyp mif1 with a heic brand is read as HEIC (%s)", err.msg);
		memcpy(box, "\0\0\0\x18" "ftypmif1\0\0\0\0mif1avif", 24);
		ok(decode_status(box, 24, 0, &err) == OF_EFORMAT, "ftyp mif1 with only avif is EFORMAT (%s)", err.msg);
	}

	of_set_cancel_hook(always_cancel);
	ok(decode_status(heic, hlen, 0, &err) == OF_ECANCELED, "HEIC decoding honours of_cancelled (%s)", err.msg);
	ok(decode_status(webp, wlen, 0, &err) == OF_ECANCELED, "WebP decoding honours of_cancelled (%s)", err.msg);
	of_set_cancel_hook(NULL);
	free(heic);
	free(webp);
}

int
main(void)
{
	test_fixtures();
	test_photo();
	test_heic_orientations();
	test_webp_orientations();
	test_hostile();
	return unit_done();
}
