/*
 * Text and binary forms of a face embedding (contracts in embedding_io.h).
 */
#include "embedding_io.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(float) == 4, "the binary form is IEEE float4");

of_status
of_embedding_check_dim(int n, of_error *err)
{
	if (n != OF_EMBEDDING_DIM)
		return of_fail(err, OF_ECORRUPT, "face_embedding must have %d dimensions, not %d",
					   OF_EMBEDDING_DIM, n);
	return OF_OK;
}

of_status
of_embedding_check_value(float v, int i, const char *what, of_error *err)
{
	if (isnan(v))
		return of_fail(err, OF_EINVAL, "NaN not allowed in face_embedding (%s element %d)",
					   what, i + 1);
	if (isinf(v))
		return of_fail(err, OF_EINVAL,
					   "infinite value not allowed in face_embedding (%s element %d)", what, i + 1);
	return OF_OK;
}

/* PostgreSQL 15's scanner_isspace(); strtof's isspace() also takes '\v'. */
static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static const char *
skip_space(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

of_status
of_embedding_parse_text(const char *s, float out[OF_EMBEDDING_DIM], of_text_span *bad,
						of_error *err)
{
	const char *p = skip_space(s);
	int			n = 0;

	if (*p != '[')
		return of_fail(err, OF_EFORMAT, "%s",
					   *p ? "Expected \"[\" at the start." : "The input is empty.");
	p++;
	for (;;)
	{
		char	   *end;
		float		x;
		of_status	st;

		p = skip_space(p);
		if (*p == ']' && n == 0)
			break;
		if (*p == '[')
			return of_fail(err, OF_EFORMAT, "Nested brackets are not allowed.");
		if (*p == '\0' || *p == ',' || *p == ']')
			return of_fail(err, OF_EFORMAT, "Expected a number.");
		errno = 0;
		x = strtof(p, &end);
		if (end == p)
			return of_fail(err, OF_EFORMAT, "Expected a number.");
		/* strtof also reads "nan" and "inf": reject them as values, not as syntax */
		if (isnan(x) || (isinf(x) && errno != ERANGE))
			if ((st = of_embedding_check_value(x, n, "input", err)) != OF_OK)
				return st;
		/* overflow is an error; underflow keeps strtof's denormal or zero */
		if (errno == ERANGE && (x > 1.0f || x < -1.0f))
		{
			if (bad)
			{
				bad->at = (size_t) (p - s);
				bad->len = (size_t) (end - p);
			}
			return of_fail(err, OF_ELIMIT, "value \"%.*s\" is out of range for type face_embedding",
						   (int) (end - p), p);
		}
		if (n < OF_EMBEDDING_DIM)
			out[n] = x;
		n++;
		p = skip_space(end);
		if (*p == ',')
		{
			p++;
			continue;
		}
		if (*p == ']')
			break;
		return of_fail(err, OF_EFORMAT, "%s",
					   *p ? "Expected \",\" or \"]\" after a number." : "Missing \"]\" at the end.");
	}
	p = skip_space(p + 1);
	if (*p != '\0')
		return of_fail(err, OF_EFORMAT, "Unexpected characters after \"]\".");
	return of_embedding_check_dim(n, err);
}

of_status
of_embedding_decode_binary(const unsigned char *buf, size_t len, float out[OF_EMBEDDING_DIM],
						   of_error *err)
{
	if (len != OF_EMBEDDING_BINARY_SIZE)
		return of_fail(err, OF_ECORRUPT,
					   "face_embedding must have %d dimensions, not %zu bytes' worth (%zu)",
					   OF_EMBEDDING_DIM, len, len / 4);
	for (int i = 0; i < OF_EMBEDDING_DIM; i++)
	{
		const unsigned char *q = buf + 4 * i;
		uint32_t	u = (uint32_t) q[0] << 24 | (uint32_t) q[1] << 16 |
			(uint32_t) q[2] << 8 | q[3];
		of_status	st;

		memcpy(&out[i], &u, 4);
		if ((st = of_embedding_check_value(out[i], i, "binary input", err)) != OF_OK)
			return st;
	}
	return OF_OK;
}

void
of_embedding_encode_binary(const float v[OF_EMBEDDING_DIM],
						   unsigned char out[OF_EMBEDDING_BINARY_SIZE])
{
	for (int i = 0; i < OF_EMBEDDING_DIM; i++)
	{
		uint32_t	u;

		memcpy(&u, &v[i], 4);
		out[4 * i] = (unsigned char) (u >> 24);
		out[4 * i + 1] = (unsigned char) (u >> 16);
		out[4 * i + 2] = (unsigned char) (u >> 8);
		out[4 * i + 3] = (unsigned char) u;
	}
}
