/*
 * Real descriptors for the SVM and clustering benchmarks: reads the output of
 * `openface embed FILE...` (path, face, score, x, y, w, h, 128 floats per
 * line), keeps one face per file and takes the identity from the parent
 * directory.  Header-only, for bench/ programs; include it after defining
 * _POSIX_C_SOURCE 200809L (getline, strdup).  Its functions are static
 * inline so that a program using only some of them builds without warnings.
 */
#ifndef OF_BENCH_REAL_FACES_H
#define OF_BENCH_REAL_FACES_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REAL_DIM 128

typedef struct real_set
{
	size_t		n;
	float	   *x;
	int		   *y;				/* identity index */
	int			nid;
	char	  **names;
} real_set;

/* The index of identity `name`, added when new. */
static inline int
real_identity(real_set *rs, const char *name)
{
	for (int k = 0; k < rs->nid; k++)
		if (strcmp(rs->names[k], name) == 0)
			return k;
	rs->names = realloc(rs->names, sizeof(char *) * (rs->nid + 1));
	rs->names[rs->nid] = strdup(name);
	return rs->nid++;
}

/*
 * Read `openface embed` lines: path, face, score, x, y, w, h, and the 128
 * floats (a face_embedding literal, or space-separated as older CLIs wrote).
 * One face per file: the one whose box centre is nearest the image centre
 * guess (LFW's labelled face is centred); identity = parent directory.
 */
static inline int
read_real(const char *path, real_set *rs)
{
	FILE	   *f = fopen(path, "r");
	char	   *line = NULL;
	size_t		cap = 0;
	char		last[4096] = "";
	double		best_off = 0;

	memset(rs, 0, sizeof(*rs));
	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) > 0)
	{
		char	   *tok = strtok(line, "\t");
		char		file[4096];
		char		dir[4096];
		double		box[4],
					off;
		float		v[REAL_DIM];
		int			ok_ = 1,
					id;
		char	   *slash;
		size_t		slot;

		if (tok == NULL)
			continue;
		snprintf(file, sizeof(file), "%s", tok);
		strtok(NULL, "\t");		/* face index */
		strtok(NULL, "\t");		/* score */
		for (int i = 0; i < 4; i++)
		{
			tok = strtok(NULL, "\t");
			box[i] = tok ? atof(tok) : 0;
		}
		tok = strtok(NULL, "\t");
		for (int j = 0; j < REAL_DIM; j++)
		{
			char	   *end;

			/* the CLI prints a face_embedding literal: [x1,x2,...] */
			while (tok && (*tok == '[' || *tok == ',' || *tok == ' '))
				tok++;
			v[j] = tok ? strtof(tok, &end) : 0;
			if (!tok || end == tok)
			{
				ok_ = 0;
				break;
			}
			tok = end;
		}
		if (!ok_)
			continue;
		/* 150 x 150 images: centre 75, 75 */
		off = fabs(box[0] + box[2] / 2 - 75) + fabs(box[1] + box[3] / 2 - 75);
		slash = strrchr(file, '/');
		if (slash == NULL)
			continue;
		*slash = 0;
		slash = strrchr(file, '/');
		snprintf(dir, sizeof(dir), "%s", slash ? slash + 1 : file);
		*strchr(file, 0) = '/';
		if (strcmp(file, last) == 0)
		{
			if (off >= best_off)
				continue;
			slot = rs->n - 1;	/* a more central face of the same file */
		}
		else
		{
			slot = rs->n++;
			rs->x = realloc(rs->x, sizeof(float) * REAL_DIM * rs->n);
			rs->y = realloc(rs->y, sizeof(int) * rs->n);
		}
		snprintf(last, sizeof(last), "%s", file);
		best_off = off;
		id = real_identity(rs, dir);
		memcpy(rs->x + slot * REAL_DIM, v, sizeof(v));
		rs->y[slot] = id;
	}
	free(line);
	fclose(f);
	return 0;
}

static inline void
free_real(real_set *rs)
{
	for (int k = 0; k < rs->nid; k++)
		free(rs->names[k]);
	free(rs->names);
	free(rs->x);
	free(rs->y);
}

#endif
