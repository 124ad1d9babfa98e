/*
 * RGB8 → PNG in memory with libpng.  As in the decoder, libpng's error
 * callback longjmps only into the one function below that calls setjmp,
 * and the context struct it fills lives in the caller's frame.
 */
#include "image/image.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

typedef struct png_wctx
{
	jmp_buf		jb;
	of_status	status;
	of_error   *err;
	png_structp png;
	png_infop	info;
	unsigned char *buf;
	size_t		len,
				cap;
} png_wctx;

static void
pngw_on_error(png_structp png, png_const_charp msg)
{
	png_wctx   *c = png_get_error_ptr(png);

	if (c->status == OF_OK)
		c->status = of_fail(c->err, OF_EINVAL, "PNG encoder: %s", msg);
	longjmp(c->jb, 1);
}

static void
pngw_on_warning(png_structp png, png_const_charp msg)
{
	(void) png;
	(void) msg;
}

static void
pngw_on_write(png_structp png, png_bytep data, size_t n)
{
	png_wctx   *c = png_get_io_ptr(png);

	if (n > c->cap - c->len)
	{
		size_t		cap = c->cap ? c->cap : 4096;
		unsigned char *b;

		while (cap - c->len < n && cap <= SIZE_MAX / 2)
			cap *= 2;
		b = cap - c->len < n ? NULL : realloc(c->buf, cap);
		if (b == NULL)
		{
			c->status = of_fail(c->err, OF_ENOMEM, "PNG encoder: out of memory");
			png_error(png, "out of memory");
		}
		c->buf = b;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
}

static void
pngw_on_flush(png_structp png)
{
	(void) png;
}

static of_status
pngw_body(png_wctx *c, const of_image *img)
{
	if (setjmp(c->jb))
		return c->status;

	c->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, c, pngw_on_error, pngw_on_warning);
	if (c->png == NULL)
		return of_fail(c->err, OF_ENOMEM, "PNG encoder: cannot create encoder");
	c->info = png_create_info_struct(c->png);
	if (c->info == NULL)
		return of_fail(c->err, OF_ENOMEM, "PNG encoder: cannot create encoder");
	png_set_write_fn(c->png, c, pngw_on_write, pngw_on_flush);
	png_set_IHDR(c->png, c->info, (png_uint_32) img->width, (png_uint_32) img->height, 8,
				 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
				 PNG_FILTER_TYPE_DEFAULT);
	png_write_info(c->png, c->info);
	for (int y = 0; y < img->height; y++)
	{
		if ((y & 63) == 0 && of_cancelled())
			return of_fail(c->err, OF_ECANCELED, "PNG encoding canceled");
		png_write_row(c->png, img->rgb + (size_t) y * img->width * 3);
	}
	png_write_end(c->png, NULL);
	return OF_OK;
}

of_status
of_image_encode_png(const of_image *img, unsigned char **out, size_t *outlen, of_error *err)
{
	png_wctx	c;
	of_status	st;

	if (out == NULL || outlen == NULL)
		return of_fail(err, OF_EINVAL, "of_image_encode_png: no output buffer");
	*out = NULL;
	*outlen = 0;
	if (img == NULL || img->rgb == NULL || img->width <= 0 || img->height <= 0)
		return of_fail(err, OF_EINVAL, "of_image_encode_png: empty image");
	memset(&c, 0, sizeof(c));
	c.err = err;
	st = pngw_body(&c, img);
	if (c.png != NULL)
		png_destroy_write_struct(&c.png, c.info != NULL ? &c.info : NULL);
	if (st != OF_OK)
	{
		free(c.buf);
		return st;
	}
	*out = c.buf;
	*outlen = c.len;
	return OF_OK;
}
