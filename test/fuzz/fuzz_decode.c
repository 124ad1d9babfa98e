/*
 * libFuzzer target: of_image_decode on arbitrary bytes, then of_preprocess
 * of the whole decoded image.  Checks the contract as well as memory
 * safety: a failed decode leaves an empty image, a successful one has sane
 * dimensions and preprocesses without error.
 *
 *   make fuzz-decode FUZZ_SECONDS=600     (the Makefile's fuzzing section)
 */
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"
#include "nets/preprocess.h"

/* Small enough that each run stays fast; the limit path is still hit. */
#define FUZZ_MAX_PIXELS ((size_t) 1 << 22)

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* input length picks the options, so both paths get exercised */
	of_decode_opts opts = {FUZZ_MAX_PIXELS, (int) (size & 1)};
	of_image	img;
	of_error	err;
	of_status	st = of_image_decode(data, size, &opts, &img, &err);

	if (st != OF_OK)
	{
		if (img.rgb != NULL || img.width != 0 || img.height != 0)
			__builtin_trap();
		return 0;
	}
	if (img.rgb == NULL || img.width <= 0 || img.height <= 0 ||
		(size_t) img.width * (size_t) img.height > FUZZ_MAX_PIXELS)
		__builtin_trap();
	{
		float		out[32 * 32 * 3];
		of_rect		r = {0, 0, img.width, img.height};

		if (of_preprocess(&img, r, 32, (int) ((size >> 1) & 1), of_face_mean, out, &err) != OF_OK)
			__builtin_trap();
	}
	of_image_free(&img);
	return 0;
}
