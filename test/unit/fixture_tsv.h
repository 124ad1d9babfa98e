/*
 * Reading the compact expected data of test/fixtures/pipeline/ (made by its
 * extract.py): tab-separated lines whose first field names the record, and
 * raw little-endian float32 files.  Include after defining _POSIX_C_SOURCE
 * 200809L (test_files.h).
 */
#ifndef OF_FIXTURE_TSV_H
#define OF_FIXTURE_TSV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_files.h"

#define TSV_MAX_FIELDS 200

typedef struct tsv_line
{
	int			n;
	char	   *f[TSV_MAX_FIELDS];
} tsv_line;

/* Split the buffer in place into lines of fields; returns the number of lines. */
static inline int
tsv_parse(char *buf, tsv_line *lines, int maxlines)
{
	int			nl = 0;
	char	   *p = buf;

	while (*p && nl < maxlines)
	{
		char	   *end = strchr(p, '\n');
		tsv_line   *l = &lines[nl];

		if (end)
			*end = 0;
		l->n = 0;
		for (char *q = p;;)
		{
			char	   *tab = strchr(q, '\t');

			if (l->n < TSV_MAX_FIELDS)
				l->f[l->n++] = q;
			if (!tab)
				break;
			*tab = 0;
			q = tab + 1;
		}
		if (*p)
			nl++;
		if (!end)
			break;
		p = end + 1;
	}
	return nl;
}

/* Load count float32 values; returns a malloc'd array or NULL. */
static inline float *
fixture_f32(const char *path, size_t count)
{
	size_t		len = 0;
	char	   *buf = (char *) read_file(path, &len);

	if (buf == NULL || len != count * sizeof(float))
	{
		free(buf);
		return NULL;
	}
	return (float *) buf;
}

#endif
