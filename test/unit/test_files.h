/*
 * File helpers shared by the unit tests: read a whole file, and hash bytes
 * with sha256sum(1) (so the build needs no crypto library).
 * Include after defining _POSIX_C_SOURCE 200809L (mkstemp, fdopen, popen).
 */
#ifndef OF_TEST_FILES_H
#define OF_TEST_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The whole file in a malloc'd buffer with a NUL after the last byte, so text
 * files can be parsed in place; NULL on failure.  len may be NULL.
 */
static inline unsigned char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long		n;

	if (len)
		*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
	{
		buf = malloc((size_t) n + 1);
		if (buf != NULL && fread(buf, 1, (size_t) n, f) == (size_t) n)
		{
			buf[n] = '\0';
			if (len)
				*len = (size_t) n;
		}
		else
		{
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Lower-case hex sha256 of len bytes into hex; 1 on success. */
static inline int
sha256_hex(const void *data, size_t len, char hex[65])
{
	char		path[] = "/tmp/of_test_sha_XXXXXX";
	char		cmd[64];
	int			fd = mkstemp(path);
	FILE	   *f,
			   *p;
	int			okay = 0;

	hex[0] = '\0';
	if (fd < 0)
		return 0;
	f = fdopen(fd, "wb");
	if (f != NULL && fwrite(data, 1, len, f) == len && fclose(f) == 0)
	{
		snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
		p = popen(cmd, "r");
		if (p != NULL)
		{
			okay = fscanf(p, "%64s", hex) == 1 && strlen(hex) == 64;
			pclose(p);
		}
	}
	else if (f != NULL)
		fclose(f);
	unlink(path);
	return okay;
}

#endif
