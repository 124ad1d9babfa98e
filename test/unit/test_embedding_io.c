/*
 * The face embedding's text and binary forms (embedding_io.h): what each
 * parser accepts, the status and message of each kind of error, and that
 * values survive both forms bit for bit.  The SQL-level messages built from
 * these are checked by pg_regress (sql/embedding.sql).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "embedding_io.h"
#include "unit.h"

/* "[" + n copies of item joined by "," + "]" */
static void
repeat(char *buf, size_t size, const char *item, int n)
{
	size_t		at = 0;

	at += (size_t) snprintf(buf, size, "[");
	for (int i = 0; i < n; i++)
		at += (size_t) snprintf(buf + at, size - at, "%s%s", i ? "," : "", item);
	snprintf(buf + at, size - at, "]");
}

static void
expect(const char *s, of_status want, const char *msg)
{
	float		v[OF_EMBEDDING_DIM];
	of_error	err = {0};
	of_status	st = of_embedding_parse_text(s, v, NULL, &err);

	ok(st == want && strcmp(err.msg, msg) == 0, "text \"%.20s\": %s \"%s\"",
	   s, of_status_name(st), err.msg);
}

static void
test_text(void)
{
	char		buf[OF_EMBEDDING_DIM * 40];
	float		v[OF_EMBEDDING_DIM];
	of_error	err = {0};
	of_text_span bad = {0, 0};
	int			same = 1;

	repeat(buf, sizeof(buf), " 0.5", OF_EMBEDDING_DIM);
	ok(of_embedding_parse_text(buf, v, NULL, &err) == OF_OK && v[0] == 0.5f &&
	   v[OF_EMBEDDING_DIM - 1] == 0.5f, "text: 128 numbers parse");
	repeat(buf + 5, sizeof(buf) - 5, "0x1p-2", OF_EMBEDDING_DIM);
	memcpy(buf, " \t\n\r\f", 5);
	ok(of_embedding_parse_text(buf, v, NULL, &err) == OF_OK && v[5] == 0.25f,
	   "text: leading whitespace and hexadecimal floats");
	repeat(buf, sizeof(buf), "1e-45", OF_EMBEDDING_DIM);
	ok(of_embedding_parse_text(buf, v, NULL, &err) == OF_OK && v[0] > 0.0f && v[0] < 1e-44f,
	   "text: an underflowing value is kept as strtof rounds it");

	expect("", OF_EFORMAT, "The input is empty.");
	expect("   ", OF_EFORMAT, "The input is empty.");
	expect("\v[]", OF_EFORMAT, "Expected \"[\" at the start.");
	expect("1,2,3", OF_EFORMAT, "Expected \"[\" at the start.");
	expect("[1,2,3", OF_EFORMAT, "Missing \"]\" at the end.");
	expect("[[1,2]]", OF_EFORMAT, "Nested brackets are not allowed.");
	expect("[1,,2]", OF_EFORMAT, "Expected a number.");
	expect("[1,2,]", OF_EFORMAT, "Expected a number.");
	expect("[abc]", OF_EFORMAT, "Expected a number.");
	expect("[1 2]", OF_EFORMAT, "Expected \",\" or \"]\" after a number.");
	expect("[1] x", OF_EFORMAT, "Unexpected characters after \"]\".");
	expect("[1,2,3]", OF_ECORRUPT, "face_embedding must have 128 dimensions, not 3");
	expect(" [ ] ", OF_ECORRUPT, "face_embedding must have 128 dimensions, not 0");
	expect("[nan]", OF_EINVAL, "NaN not allowed in face_embedding (input element 1)");
	expect("[1,-Infinity]", OF_EINVAL,
		   "infinite value not allowed in face_embedding (input element 2)");
	/* a value error comes before a syntax error further on */
	expect("[1,inf x", OF_EINVAL, "infinite value not allowed in face_embedding (input element 2)");
	expect("[1, 1e39]", OF_ELIMIT, "value \"1e39\" is out of range for type face_embedding");

	strcpy(buf, "[0.5, -1");
	memset(buf + 8, '0', 300);
	strcpy(buf + 308, "]");
	ok(of_embedding_parse_text(buf, v, &bad, &err) == OF_ELIMIT && bad.at == 6 && bad.len == 302,
	   "text: the span of a long out-of-range number (%zu, %zu)", bad.at, bad.len);

	repeat(buf, sizeof(buf), "0.1", OF_EMBEDDING_DIM + 1);
	expect(buf, OF_ECORRUPT, "face_embedding must have 128 dimensions, not 129");

	/* 9 significant digits identify a float: printing and parsing keeps its bits */
	{
		float		w[OF_EMBEDDING_DIM];
		size_t		at = 0;

		for (int i = 0; i < OF_EMBEDDING_DIM; i++)
		{
			w[i] = (float) (i - 64) / 7.0f * powf(10.0f, (float) (i % 11 - 5));
			at += (size_t) snprintf(buf + at, sizeof(buf) - at, "%c%.9g", i ? ',' : '[',
									(double) w[i]);
		}
		snprintf(buf + at, sizeof(buf) - at, "]");
		ok(of_embedding_parse_text(buf, v, NULL, &err) == OF_OK, "text: printed values parse");
		for (int i = 0; i < OF_EMBEDDING_DIM; i++)
			same &= memcmp(&v[i], &w[i], sizeof(float)) == 0;
		ok(same, "text: printed values parse back to the same bits");
	}
}

static void
test_binary(void)
{
	float		v[OF_EMBEDDING_DIM],
				back[OF_EMBEDDING_DIM];
	unsigned char bin[OF_EMBEDDING_BINARY_SIZE + 1];
	of_error	err = {0};

	for (int i = 0; i < OF_EMBEDDING_DIM; i++)
		v[i] = (float) i - 0.25f;
	of_embedding_encode_binary(v, bin);
	ok(bin[0] == 0xbe && bin[1] == 0x80 && bin[2] == 0 && bin[3] == 0,
	   "binary: big-endian float4 (-0.25 is be 80 00 00)");
	ok(of_embedding_decode_binary(bin, OF_EMBEDDING_BINARY_SIZE, back, &err) == OF_OK &&
	   memcmp(back, v, sizeof(v)) == 0, "binary: decodes to the same bits");
	ok(of_embedding_decode_binary(bin, OF_EMBEDDING_BINARY_SIZE + 1, back, &err) == OF_ECORRUPT &&
	   strcmp(err.msg, "face_embedding must have 128 dimensions, not 513 bytes' worth (128)") == 0,
	   "binary: wrong length: %s", err.msg);
	ok(of_embedding_decode_binary(bin, 0, back, &err) == OF_ECORRUPT, "binary: empty");
	memcpy(bin + 8, "\x7f\xc0\x00\x00", 4);
	ok(of_embedding_decode_binary(bin, OF_EMBEDDING_BINARY_SIZE, back, &err) == OF_EINVAL &&
	   strcmp(err.msg, "NaN not allowed in face_embedding (binary input element 3)") == 0,
	   "binary: NaN: %s", err.msg);
	memcpy(bin + 8, "\xff\x80\x00\x00", 4);
	ok(of_embedding_decode_binary(bin, OF_EMBEDDING_BINARY_SIZE, back, &err) == OF_EINVAL &&
	   strcmp(err.msg, "infinite value not allowed in face_embedding (binary input element 3)") == 0,
	   "binary: infinity: %s", err.msg);
}

int
main(void)
{
	test_text();
	test_binary();
	return unit_done();
}
