/*
 * The photos a command line names: files as given, folders walked for their
 * images (recursively, sorted bytewise), and who's known people.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"

/* An error outranks a photo without a face, which outranks success. */
int
merge_status(int a, int b)
{
	if (a == EXIT_ERROR || b == EXIT_ERROR)
		return EXIT_ERROR;
	return a == EXIT_NO_FACE || b == EXIT_NO_FACE ? EXIT_NO_FACE : EXIT_ALL_GOOD;
}

int
list_add(file_list *l, const char *path, const char *label)
{
	if (l->n == l->cap)
	{
		int			cap = l->cap ? l->cap * 2 : 64;
		char	  **p = realloc(l->path, (size_t) cap * sizeof(char *));
		char	  **q;

		if (p == NULL)
			return -1;
		l->path = p;
		q = realloc(l->label, (size_t) cap * sizeof(char *));
		if (q == NULL)
			return -1;
		l->label = q;
		l->cap = cap;
	}
	l->path[l->n] = strdup(path);
	l->label[l->n] = label ? strdup(label) : NULL;
	if (l->path[l->n] == NULL || (label && l->label[l->n] == NULL))
	{
		free(l->path[l->n]);
		free(l->label[l->n]);
		return -1;
	}
	l->n++;
	return 0;
}

void
list_free(file_list *l)
{
	for (int i = 0; i < l->n; i++)
	{
		free(l->path[i]);
		free(l->label[i]);
	}
	free(l->path);
	free(l->label);
	memset(l, 0, sizeof(*l));
}

static int
is_image_name(const char *name)
{
	static const char *const exts[] = {".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp"};
	const char *dot = strrchr(name, '.');

	if (dot == NULL || dot == name)
		return 0;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot, exts[i]) == 0)
			return 1;
	return 0;
}

static char *
join_path(const char *dir, const char *name)
{
	size_t		dl = strlen(dir);
	int			slash = dl > 0 && dir[dl - 1] == '/';
	char	   *p = malloc(dl + strlen(name) + 2);

	if (p)
		sprintf(p, "%s%s%s", dir, slash ? "" : "/", name);
	return p;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The entries of dir, sorted bytewise (the order does not depend on the
 * locale), without hidden ones ("." , "..", editors' and macOS's dot files).
 * Returns the count, or -1 after printing why.
 */
static int
read_folder(const char *dir, char ***names)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	char	  **v = NULL;
	int			n = 0,
				cap = 0;

	*names = NULL;
	if (d == NULL)
	{
		fprintf(stderr, "openface: cannot open folder %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL)
	{
		if (e->d_name[0] == '.')
			continue;
		if (n == cap)
		{
			char	  **t;

			cap = cap ? cap * 2 : 64;
			t = realloc(v, (size_t) cap * sizeof(char *));
			if (t == NULL)
				break;
			v = t;
		}
		if ((v[n] = strdup(e->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (e != NULL)
	{
		fprintf(stderr, "openface: out of memory listing %s\n", dir);
		for (int i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return -1;
	}
	qsort(v, (size_t) n, sizeof(char *), compare_names);
	*names = v;
	return n;
}

static void
free_names(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Add the image files under dir (recursively, sorted) to out, each with
 * label.  Symbolic links to folders are not followed, so a link cycle cannot
 * make the walk endless.  Returns EXIT_ALL_GOOD or EXIT_ERROR.
 */
static int
walk_folder(const char *dir, const char *label, file_list *out)
{
	char	  **names;
	int			n = read_folder(dir, &names),
				rc = EXIT_ALL_GOOD;

	if (n < 0)
		return EXIT_ERROR;
	for (int i = 0; i < n; i++)
	{
		char	   *p = join_path(dir, names[i]);
		struct stat st,
					lst;

		if (p == NULL || stat(p, &st) != 0 || lstat(p, &lst) != 0)
		{
			fprintf(stderr, "openface: cannot read %s: %s\n", p ? p : names[i],
					p ? strerror(errno) : "out of memory");
			rc = EXIT_ERROR;
		}
		else if (S_ISDIR(st.st_mode))
		{
			if (!S_ISLNK(lst.st_mode))
				rc = merge_status(rc, walk_folder(p, label, out));
		}
		else if (S_ISREG(st.st_mode) && is_image_name(names[i]) && list_add(out, p, label) != 0)
		{
			fprintf(stderr, "openface: out of memory listing %s\n", dir);
			rc = EXIT_ERROR;
		}
		free(p);
	}
	free_names(names, n);
	return rc;
}

/*
 * The photos the arguments name: a folder stands for its images, anything
 * else is taken as given (so a file without an image extension can still be
 * named, and a missing one is reported when it is read).
 */
int
expand_args(int nargs, char **args, file_list *out)
{
	int			rc = EXIT_ALL_GOOD;

	for (int i = 0; i < nargs; i++)
	{
		struct stat st;

		if (stat(args[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = merge_status(rc, walk_folder(args[i], NULL, out));
		else if (list_add(out, args[i], NULL) != 0)
		{
			fprintf(stderr, "openface: out of memory\n");
			rc = EXIT_ERROR;
		}
	}
	return rc;
}

/*
 * who's known people: each sub-folder of dir is a person (all images
 * below it), each image directly inside is a person named by its file name
 * without the extension.
 */
int
list_known(const char *dir, file_list *out)
{
	char	  **names;
	int			n,
				rc = EXIT_ALL_GOOD;
	struct stat st;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
	{
		fprintf(stderr, "openface: who: KNOWN must be a folder of known people: %s\n", dir);
		return EXIT_ERROR;
	}
	if ((n = read_folder(dir, &names)) < 0)
		return EXIT_ERROR;
	for (int i = 0; i < n; i++)
	{
		char	   *p = join_path(dir, names[i]);

		if (p == NULL || stat(p, &st) != 0)
		{
			fprintf(stderr, "openface: cannot read %s: %s\n", p ? p : names[i],
					p ? strerror(errno) : "out of memory");
			rc = EXIT_ERROR;
		}
		else if (S_ISDIR(st.st_mode))
			rc = merge_status(rc, walk_folder(p, names[i], out));
		else if (S_ISREG(st.st_mode) && is_image_name(names[i]))
		{
			*strrchr(names[i], '.') = '\0';
			if (list_add(out, p, names[i]) != 0)
			{
				fprintf(stderr, "openface: out of memory\n");
				rc = EXIT_ERROR;
			}
		}
		free(p);
	}
	free_names(names, n);
	return rc;
}

unsigned char *
slurp(const char *path, size_t *len)
{
	FILE	   *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t		cap = 0,
				n = 0;

	if (fp == NULL)
		return NULL;
	for (;;)
	{
		size_t		got;

		if (n == cap)
		{
			unsigned char *tmp;

			cap = cap ? cap * 2 : 1 << 16;
			tmp = realloc(buf, cap);
			if (tmp == NULL)
			{
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = tmp;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp))
	{
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	*len = n;
	return buf;
}
