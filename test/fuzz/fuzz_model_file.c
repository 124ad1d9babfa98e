/*
 * libFuzzer target: of_models_open_memory, the validation of_models_open
 * runs on a mapped model file (header, tensor table, then every network's
 * tensor lookups), on arbitrary bytes.  A rejected image must leave no
 * models and an error; an accepted one must serve every tensor in its table
 * from inside the image.  Built with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION,
 * so the checksum is not verified (mutations would never get past it).
 *
 *   make build/fuzz/fuzz_model_file && make fuzz-model_file FUZZ_SECONDS=600
 * Seeds (test/fuzz/corpus_model_file): build/fuzz/gen_seeds.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nets/model_file.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_models(const of_models *m, const unsigned char *buf, size_t size)
{
	for (uint32_t i = 0; i < m->count; i++)
	{
		const of_mf_entry *e = &m->table[i];
		int			shape[OF_MF_MAX_DIMS];
		const float *t;
		of_error	err;

		for (uint32_t d = 0; d < e->ndim; d++)
			shape[d] = (int) e->shape[d];
		t = of_models_tensor(m, e->name, (int) e->ndim, shape, &err);
		if (t == NULL || (const unsigned char *) t < buf ||
			(const unsigned char *) (t + e->count) > buf + size)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void	   *buf;
	of_models  *m = (of_models *) data;	/* must be overwritten */
	of_error	err;
	of_status	st;

	/* an exact-size copy, aligned like a mapping, so ASan sees any overread */
	if (posix_memalign(&buf, OF_MF_ALIGN, size ? size : 1) != 0)
		abort();
	memcpy(buf, data, size);
	st = of_models_open_memory(buf, size, &m, &err);
	if (st != OF_OK)
	{
		if (m != NULL || err.code != st || err.msg[0] == '\0')
			__builtin_trap();
	}
	else
	{
		check_models(m, buf, size);
		of_models_close(m);
	}
	free(buf);
	return 0;
}
