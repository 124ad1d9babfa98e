/*
 * The external forms of a face embedding (128 finite floats), parsed and
 * checked here so that any host reads them alike; PostgreSQL's
 * face_embedding input, receive and send functions call these and turn the
 * status into an SQLSTATE.
 *
 * Text: "[x1,x2,...,x128]".  Whitespace (space, tab, newline, carriage
 * return, form feed: PostgreSQL 15's scanner_isspace set) may surround the
 * brackets, numbers and commas; each number is what strtof() reads, so
 * exponents and hexadecimal floats are accepted, and a value that underflows
 * is accepted as strtof rounds it.  Errors, in the order they are found:
 *   OF_EFORMAT   bad syntax; err->msg is the problem ("Expected a number.")
 *   OF_EINVAL    an element is NaN or infinite (of_embedding_check_value)
 *   OF_ELIMIT    a number overflows float; *bad is its span in the text
 *   OF_ECORRUPT  not 128 numbers (of_embedding_check_dim)
 *
 * Binary: 128 IEEE float4 values, big-endian, 512 bytes.  Errors:
 *   OF_ECORRUPT  wrong length
 *   OF_EINVAL    an element is NaN or infinite
 */
#ifndef OF_EMBEDDING_IO_H
#define OF_EMBEDDING_IO_H

#include <stddef.h>

#include "common.h"
#include "nets/nets.h"

/* an embedding is the recognizer's descriptor */
#define OF_EMBEDDING_DIM OF_DESCRIPTOR_DIM
#define OF_EMBEDDING_BINARY_SIZE (OF_EMBEDDING_DIM * 4)

/* A stretch of the text an error is about. */
typedef struct of_text_span
{
	size_t		at;
	size_t		len;
} of_text_span;

/* OF_ECORRUPT unless n == OF_EMBEDDING_DIM. */
of_status	of_embedding_check_dim(int n, of_error *err);

/* OF_EINVAL if v is NaN or infinite; the message names element i (0-based) of what. */
of_status	of_embedding_check_value(float v, int i, const char *what, of_error *err);

/* Parse the text form (NUL-terminated) into out; bad may be NULL. */
of_status	of_embedding_parse_text(const char *s, float out[OF_EMBEDDING_DIM],
									of_text_span *bad, of_error *err);

/* Decode the binary form. */
of_status	of_embedding_decode_binary(const unsigned char *buf, size_t len,
									   float out[OF_EMBEDDING_DIM], of_error *err);

/* Encode the binary form: exactly OF_EMBEDDING_BINARY_SIZE bytes. */
void		of_embedding_encode_binary(const float v[OF_EMBEDDING_DIM],
									   unsigned char out[OF_EMBEDDING_BINARY_SIZE]);

#endif
