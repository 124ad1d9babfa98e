/*
 * libFuzzer target: both face_embedding parsers on every input, the text
 * form (input up to its first NUL, as a cstring reaches face_embedding_in)
 * and the binary form (as face_embedding_recv gets it).  Checks beyond
 * memory safety: a rejected input has a status-coded message, an
 * out-of-range span lies inside the text; an accepted one is 128 finite
 * floats that come back with the same bits after printing (9 significant
 * digits identify a float) and parsing, and after binary encoding and
 * decoding; an accepted binary input re-encodes to the same bytes.
 *
 *   make build/fuzz/fuzz_embedding_io && make fuzz-embedding_io FUZZ_SECONDS=600
 * Seeds (test/fuzz/corpus_embedding_io): build/fuzz/gen_seeds.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedding_io.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "%.9g" is at most 15 characters ("-1.17549435e-38"), plus a comma */
#define TEXT_MAX (OF_EMBEDDING_DIM * 16 + 3)

static void
check_round_trip(const float v[OF_EMBEDDING_DIM])
{
	char		text[TEXT_MAX];
	size_t		at = 0;
	float		back[OF_EMBEDDING_DIM];
	unsigned char bytes[OF_EMBEDDING_BINARY_SIZE];
	of_error	err;

	for (int i = 0; i < OF_EMBEDDING_DIM; i++)
	{
		if (!isfinite(v[i]))
			__builtin_trap();
		at += (size_t) snprintf(text + at, sizeof(text) - at, "%c%.9g", i ? ',' : '[',
								(double) v[i]);
	}
	snprintf(text + at, sizeof(text) - at, "]");
	if (of_embedding_parse_text(text, back, NULL, &err) != OF_OK ||
		memcmp(back, v, sizeof(back)) != 0)
		__builtin_trap();
	of_embedding_encode_binary(v, bytes);
	if (of_embedding_decode_binary(bytes, sizeof(bytes), back, &err) != OF_OK ||
		memcmp(back, v, sizeof(back)) != 0)
		__builtin_trap();
}

/* st is one of the statuses the contract lists (a bit set), with a message */
static void
check_failure(of_status st, unsigned allowed, const of_error *err)
{
	if (!(allowed & 1u << st) || err->code != st || err->msg[0] == '\0')
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	float		v[OF_EMBEDDING_DIM];
	of_text_span bad = {SIZE_MAX, SIZE_MAX};
	of_error	err;
	of_status	st;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	st = of_embedding_parse_text(text, v, &bad, &err);
	if (st == OF_OK)
		check_round_trip(v);
	else
	{
		check_failure(st, 1u << OF_EFORMAT | 1u << OF_EINVAL | 1u << OF_ELIMIT | 1u << OF_ECORRUPT,
					  &err);
		if (st == OF_ELIMIT && (bad.len == 0 || bad.at + bad.len > strlen(text)))
			__builtin_trap();
	}
	free(text);

	st = of_embedding_decode_binary(data, size, v, &err);
	if (st == OF_OK)
	{
		unsigned char bytes[OF_EMBEDDING_BINARY_SIZE];

		check_round_trip(v);
		of_embedding_encode_binary(v, bytes);
		if (memcmp(bytes, data, sizeof(bytes)) != 0)
			__builtin_trap();
	}
	else
	{
		check_failure(st, 1u << OF_EINVAL | 1u << OF_ECORRUPT, &err);
		if (st == OF_ECORRUPT && size == OF_EMBEDDING_BINARY_SIZE)
			__builtin_trap();
	}
	return 0;
}
