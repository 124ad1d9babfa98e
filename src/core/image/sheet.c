/*
 * Contact sheets: images tiled in a grid, to look at a cluster's faces.
 */
#include "image/image.h"

#include <stdlib.h>
#include <string.h>

of_status
of_sheet_init(int n, int columns, int cell, size_t max_pixels, of_image *sheet, of_error *err)
{
	size_t		rows,
				w,
				h;

	memset(sheet, 0, sizeof(*sheet));
	if (n < 1 || columns < 1 || cell < 1)
		return of_fail(err, OF_EINVAL, "a sheet needs at least one cell, column and pixel");
	rows = ((size_t) n + columns - 1) / columns;
	w = (size_t) columns * (cell + OF_SHEET_GAP) + OF_SHEET_GAP;
	h = rows * (cell + OF_SHEET_GAP) + OF_SHEET_GAP;
	if (w > max_pixels || h > max_pixels / w)
		return of_fail(err, OF_ELIMIT, "a sheet of %zu x %zu pixels is larger than the limit of %zu pixels",
					   w, h, max_pixels);
	sheet->rgb = malloc(w * h * 3);
	if (!sheet->rgb)
		return of_fail(err, OF_ENOMEM, "out of memory for a %zu x %zu sheet", w, h);
	memset(sheet->rgb, OF_SHEET_BACKGROUND, w * h * 3);
	sheet->width = (int) w;
	sheet->height = (int) h;
	return OF_OK;
}

void
of_sheet_place(of_image *sheet, int index, int columns, int cell, const of_image *img)
{
	double		scale;
	int			dw,
				dh,
				x0,
				y0;

	if (img->width < 1 || img->height < 1)
		return;
	scale = img->width > img->height ? (double) cell / img->width : (double) cell / img->height;
	dw = (int) (img->width * scale + 0.5);
	dh = (int) (img->height * scale + 0.5);
	if (dw < 1)
		dw = 1;
	if (dh < 1)
		dh = 1;
	x0 = OF_SHEET_GAP + (index % columns) * (cell + OF_SHEET_GAP) + (cell - dw) / 2;
	y0 = OF_SHEET_GAP + (index / columns) * (cell + OF_SHEET_GAP) + (cell - dh) / 2;
	for (int dy = 0; dy < dh; dy++)
	{
		/* the source rows and columns this pixel covers; at least one */
		int			sy0 = (int) ((long long) dy * img->height / dh);
		int			sy1 = (int) ((long long) (dy + 1) * img->height / dh);
		unsigned char *out = sheet->rgb + ((size_t) (y0 + dy) * sheet->width + x0) * 3;

		if (sy1 <= sy0)
			sy1 = sy0 + 1;
		for (int dx = 0; dx < dw; dx++)
		{
			int			sx0 = (int) ((long long) dx * img->width / dw);
			int			sx1 = (int) ((long long) (dx + 1) * img->width / dw);
			unsigned long sum[3] = {0, 0, 0};
			unsigned long count;

			if (sx1 <= sx0)
				sx1 = sx0 + 1;
			count = (unsigned long) (sx1 - sx0) * (sy1 - sy0);
			for (int sy = sy0; sy < sy1; sy++)
			{
				const unsigned char *in = img->rgb + ((size_t) sy * img->width + sx0) * 3;

				for (int sx = sx0; sx < sx1; sx++, in += 3)
				{
					sum[0] += in[0];
					sum[1] += in[1];
					sum[2] += in[2];
				}
			}
			for (int c = 0; c < 3; c++)
				out[dx * 3 + c] = (unsigned char) ((sum[c] + count / 2) / count);
		}
	}
}
