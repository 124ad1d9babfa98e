/*
 * Rows in the format --format chose.  TSV is what the command always
 * printed (fields as they are, no header but bench's); CSV quotes as RFC 4180
 * and starts with a header line; JSON is one array of objects keyed by the
 * column names, one object a line, numbers as numbers and arrays as arrays.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
parse_format(const char *s, out_format *f)
{
	if (strcmp(s, "tsv") == 0)
		*f = FORMAT_TSV;
	else if (strcmp(s, "csv") == 0)
		*f = FORMAT_CSV;
	else if (strcmp(s, "json") == 0)
		*f = FORMAT_JSON;
	else
		return 0;
	return 1;
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static int
utf8_length(const unsigned char *s, size_t n)
{
	int			len = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 :
		s[0] >= 0xE0 && s[0] < 0xF0 ? 3 : s[0] >= 0xF0 && s[0] < 0xF5 ? 4 : 0;
	unsigned	cp;

	if (len == 0 || (size_t) len > n)
		return 0;
	for (int i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	/* no overlong forms, surrogates or code points past U+10FFFF */
	cp = len == 3 ? ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) :
		len == 4 ? ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) : 0;
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000))) ||
		(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

/* A JSON string; a file name that is not UTF-8 gets U+FFFD for its bad bytes. */
static void
json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		n = strlen(s);

	putchar('"');
	while (n > 0)
	{
		int			len = utf8_length(p, n);

		if (len == 0)
		{
			fputs("\\ufffd", stdout);
			len = 1;
		}
		else if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			fwrite(p, 1, (size_t) len, stdout);
		p += len;
		n -= (size_t) len;
	}
	putchar('"');
}

static void
csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL)
	{
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++)
	{
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

void
out_begin(table_out *t, out_format f, int ncols, const char *const *names, int tsv_header)
{
	t->format = f;
	t->names = names;
	t->ncols = ncols;
	t->col = 0;
	t->rows = 0;
	if (f == FORMAT_JSON)
		fputs("[\n", stdout);
	else if (f == FORMAT_CSV || tsv_header)
		for (int i = 0; i < ncols; i++)
		{
			if (i > 0)
				putchar(f == FORMAT_CSV ? ',' : '\t');
			if (f == FORMAT_CSV)
				csv_field(names[i]);
			else
				fputs(names[i], stdout);
			if (i == ncols - 1)
				putchar('\n');
		}
}

/* What comes before the next field: a separator, or the row's start. */
static void
next_field(table_out *t)
{
	if (t->format == FORMAT_JSON)
	{
		if (t->col == 0)
			fputs(t->rows > 0 ? ",\n{" : "{", stdout);
		else
			fputs(", ", stdout);
		json_string(t->names[t->col]);
		fputs(": ", stdout);
	}
	else if (t->col > 0)
		putchar(t->format == FORMAT_CSV ? ',' : '\t');
	t->col++;
}

void
out_text(table_out *t, const char *s)
{
	next_field(t);
	if (t->format == FORMAT_JSON)
		json_string(s);
	else if (t->format == FORMAT_CSV)
		csv_field(s);
	else
		fputs(s, stdout);
}

void
out_int(table_out *t, long v)
{
	next_field(t);
	printf("%ld", v);
}

/* fmt prints one double; JSON has no infinity or NaN, so they become null there. */
void
out_num(table_out *t, const char *fmt, double v)
{
	next_field(t);
	if (t->format == FORMAT_JSON && !isfinite(v))
		fputs("null", stdout);
	else
		printf(fmt, v);
}

/*
 * An array of numbers: an embedding is face_embedding's text form
 * [x1,...,x128] with 9 significant digits (which give back the same float4),
 * landmarks are "x1 y1 x2 y2 ..." with 3 decimals; in JSON both are arrays of
 * numbers.
 */
void
out_array(table_out *t, const double *v, int n, int embedding)
{
	const char *fmt = embedding ? "%.9g" : "%.3f";
	int			json = t->format == FORMAT_JSON;
	/* CSV quotes the embedding, whose commas separate numbers */
	int			quote = t->format == FORMAT_CSV && embedding;

	next_field(t);
	if (quote)
		putchar('"');
	if (json || embedding)
		putchar('[');
	for (int k = 0; k < n; k++)
	{
		if (k > 0)
			putchar(json || embedding ? ',' : ' ');
		if (json && !isfinite(v[k]))
			fputs("null", stdout);
		else
			printf(fmt, v[k]);
	}
	if (json || embedding)
		putchar(']');
	if (quote)
		putchar('"');
}

void
out_end_row(table_out *t)
{
	if (t->format == FORMAT_JSON)
		putchar('}');
	else
		putchar('\n');
	t->col = 0;
	t->rows++;
}

void
out_end(table_out *t)
{
	if (t->format == FORMAT_JSON)
		fputs(t->rows > 0 ? "\n]\n" : "]\n", stdout);
	fflush(stdout);
}
